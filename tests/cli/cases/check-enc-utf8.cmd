msrtrap check enc-utf8.policy
