msrtrap check seventeen.policy
