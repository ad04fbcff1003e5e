msrtrap decode examples/kvm-vcpu.vmx
