msrtrap compile s7a.json --to policy
