msrtrap explain --help
