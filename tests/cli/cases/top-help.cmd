msrtrap --help
