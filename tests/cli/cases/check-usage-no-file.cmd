msrtrap check
