msrtrap compile p-stretch.policy
