msrtrap compile p-warn.policy
