msrtrap check enc-empty.policy
