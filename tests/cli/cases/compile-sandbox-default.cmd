msrtrap compile examples/sandbox.policy
