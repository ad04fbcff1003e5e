msrtrap check enc-nul.policy
