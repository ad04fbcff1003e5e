msrtrap compile --to c --name int examples/sandbox.policy
