msrtrap check /dev/zero
