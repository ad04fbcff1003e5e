msrtrap query j-syntax.json 0x10
