msrtrap check enc-bom.policy
