msrtrap explain s8.json 0x808
