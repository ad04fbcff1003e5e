msrtrap verify missing.policy
