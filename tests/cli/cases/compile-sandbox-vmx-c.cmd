msrtrap compile --to vmx-c examples/sandbox.policy
