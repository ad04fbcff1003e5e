msrtrap query s9.json - <msrs.txt
