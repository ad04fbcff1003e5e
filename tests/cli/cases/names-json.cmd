msrtrap names --json 0xc0000100
