msrtrap merge -c msr-prot all.vmx all.vmx
