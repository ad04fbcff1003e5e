msrtrap verify --help
