msrtrap check --max-input 12X examples/sandbox.policy
