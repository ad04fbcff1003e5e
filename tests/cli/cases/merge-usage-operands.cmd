msrtrap merge all.vmx
