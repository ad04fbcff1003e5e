msrtrap decode --help
