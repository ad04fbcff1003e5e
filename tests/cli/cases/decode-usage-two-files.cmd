msrtrap decode a b
