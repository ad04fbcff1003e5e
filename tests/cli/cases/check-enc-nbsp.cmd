msrtrap check enc-nbsp.policy
