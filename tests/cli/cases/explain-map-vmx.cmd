msrtrap explain efer-w.vmx efer
