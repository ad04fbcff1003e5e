msrtrap names a b
