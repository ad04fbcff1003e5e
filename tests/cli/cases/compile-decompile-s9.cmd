msrtrap compile s9.json --to policy
