msrtrap decode enc-4096.policy | head -3
