msrtrap compile --strict examples/sandbox.policy --to policy
