msrtrap explain examples/sandbox.policy 0x808
