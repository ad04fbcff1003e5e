msrtrap explain s6.json 0x474f4f00
