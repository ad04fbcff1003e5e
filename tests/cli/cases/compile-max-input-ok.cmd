msrtrap compile --max-input 1M examples/sandbox.policy --to policy
