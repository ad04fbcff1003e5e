msrtrap names 0x123456789
