msrtrap compile enc-empty.policy
