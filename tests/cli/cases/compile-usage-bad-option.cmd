msrtrap compile --frobnicate examples/sandbox.policy
