msrtrap query s5.json 0x10 - <bad-msrs.txt
