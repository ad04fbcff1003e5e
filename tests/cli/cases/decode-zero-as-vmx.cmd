msrtrap decode --format vmx --json zero4096.bin
