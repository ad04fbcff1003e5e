msrtrap check short.bin
