msrtrap merge --help
