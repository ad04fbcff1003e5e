msrtrap check --help
