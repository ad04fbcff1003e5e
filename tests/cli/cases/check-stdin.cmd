msrtrap check - <s5.json
