msrtrap decode all.vmx
