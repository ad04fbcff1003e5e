msrtrap decode --format svm efer-w.vmx
