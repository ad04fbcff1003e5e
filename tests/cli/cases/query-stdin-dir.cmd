msrtrap query examples/sandbox.policy 0x10 - < examples
