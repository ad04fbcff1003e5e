msrtrap query - - <s5.json
