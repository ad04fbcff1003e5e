msrtrap merge --kernel v5.19 all.vmx all.vmx
