msrtrap compile --to c seventeen.policy
