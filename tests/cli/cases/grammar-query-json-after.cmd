msrtrap query examples/sandbox.policy 0x35 --json
