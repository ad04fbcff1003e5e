msrtrap decode --format svm examples/kvm-vcpu.svm
