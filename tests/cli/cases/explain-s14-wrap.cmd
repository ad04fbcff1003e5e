msrtrap explain s14.json 0xffffffff
