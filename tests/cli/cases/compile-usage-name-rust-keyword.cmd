msrtrap compile --to rust --name fn examples/sandbox.policy
