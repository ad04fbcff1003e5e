msrtrap diff examples/kvm-vcpu.vmx examples/kvm-vcpu.svm
