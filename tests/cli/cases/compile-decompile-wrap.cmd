msrtrap compile s14.json --to policy
