msrtrap check enc-latin1.policy
