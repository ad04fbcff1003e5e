msrtrap decode short.bin
