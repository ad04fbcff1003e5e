msrtrap decode efer-w.vmx --json
