msrtrap explain --json efer-w.vmx 0xc0010000
