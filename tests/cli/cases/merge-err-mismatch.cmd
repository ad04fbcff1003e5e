msrtrap merge all.vmx all.svm
