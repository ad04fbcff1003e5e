msrtrap compile --to rust examples/sandbox.policy
