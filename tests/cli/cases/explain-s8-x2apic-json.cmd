msrtrap explain --json s8.json 0x808
