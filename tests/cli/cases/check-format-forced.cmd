msrtrap check --format svm efer-w.vmx
