msrtrap query --help
