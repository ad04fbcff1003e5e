msrtrap compile p-ffff.policy
