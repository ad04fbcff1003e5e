msrtrap decode -q x
