msrtrap help compil
