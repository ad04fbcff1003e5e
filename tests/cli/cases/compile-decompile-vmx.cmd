msrtrap compile examples/kvm-vcpu.vmx --to policy
