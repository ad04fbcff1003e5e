msrtrap names --help
