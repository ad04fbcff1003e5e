msrtrap decode enc-4096-nul.policy | head -3
