msrtrap sim --help
