msrtrap compile --to c examples/sandbox.policy
