msrtrap check --max-input 5 examples/sandbox.policy
