msrtrap merge --vendor svm all.vmx all.vmx
