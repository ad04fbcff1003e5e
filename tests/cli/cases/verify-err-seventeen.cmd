msrtrap verify seventeen.policy
