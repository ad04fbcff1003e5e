msrtrap check efer-w.vmx
