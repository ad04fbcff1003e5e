msrtrap explain --json s14.json 0xffffffff
