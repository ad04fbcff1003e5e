msrtrap compile examples/sandbox.policy --to kvm
