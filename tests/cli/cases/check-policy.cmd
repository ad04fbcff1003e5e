msrtrap check examples/sandbox.policy
