msrtrap query - efer 0x10 <examples/sandbox.policy
