msrtrap compile short.bin
