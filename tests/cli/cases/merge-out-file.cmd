msrtrap merge -o l2.vmx all.vmx all.vmx && msrtrap decode --json l2.vmx
