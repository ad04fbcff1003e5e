msrtrap query examples/sandbox.policy - < /dev/zero
