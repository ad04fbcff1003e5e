msrtrap query k-empty-allow.json 0x10 0xffffffff
