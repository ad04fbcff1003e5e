msrtrap decode --json efer-w.vmx
