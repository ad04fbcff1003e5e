echo 0x10 | msrtrap query examples/sandbox.policy - --json
