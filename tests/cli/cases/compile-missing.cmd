msrtrap compile no-such.policy
