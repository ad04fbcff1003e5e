msrtrap explain s5.json
