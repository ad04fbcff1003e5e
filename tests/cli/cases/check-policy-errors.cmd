msrtrap check p-errors.policy
