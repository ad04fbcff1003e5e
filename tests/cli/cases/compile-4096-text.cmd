msrtrap compile p-4096.policy --to policy
