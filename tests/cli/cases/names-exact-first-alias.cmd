msrtrap names sfmask
