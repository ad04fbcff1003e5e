msrtrap diff --json examples/sandbox.policy p-explain.policy
