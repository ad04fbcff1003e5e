msrtrap query s5.json 0x10 no_such_msr
