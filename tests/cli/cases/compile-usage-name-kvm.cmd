msrtrap compile --name f examples/sandbox.policy
