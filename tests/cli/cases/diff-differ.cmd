msrtrap diff examples/sandbox.policy p-explain.policy
