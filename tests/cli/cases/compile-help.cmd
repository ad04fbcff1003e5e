msrtrap compile --help
