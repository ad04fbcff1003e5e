msrtrap compile examples/sandbox.policy --to vmx | msrtrap decode -
