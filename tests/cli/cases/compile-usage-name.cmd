msrtrap compile --to c --name 9lives examples/sandbox.policy
