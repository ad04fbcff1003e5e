msrtrap names 0x10 --json
