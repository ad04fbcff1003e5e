msrtrap merge --vendor arm all.vmx all.vmx
