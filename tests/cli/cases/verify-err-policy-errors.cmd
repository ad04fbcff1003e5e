msrtrap verify p-errors.policy
