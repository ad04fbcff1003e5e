msrtrap compile p-warn.policy --to policy
