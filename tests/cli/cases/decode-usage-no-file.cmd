msrtrap decode
