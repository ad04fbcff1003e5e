msrtrap compile examples/sandbox.policy --to policy
