msrtrap explain examples/sandbox.policy 0x10 -j
