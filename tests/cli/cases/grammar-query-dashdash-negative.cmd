msrtrap query examples/sandbox.policy -- -1
