msrtrap compile s19.json --to policy
