msrtrap compile examples/kvm-vcpu.svm --to policy
