msrtrap merge all.vmx all.vmx
