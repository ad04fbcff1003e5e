msrtrap compile s8.json --to policy
