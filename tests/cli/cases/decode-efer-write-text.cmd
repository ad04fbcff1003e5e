msrtrap decode efer-w.vmx
