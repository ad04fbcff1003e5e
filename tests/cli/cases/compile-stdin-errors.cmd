msrtrap compile - <p-errors.policy
