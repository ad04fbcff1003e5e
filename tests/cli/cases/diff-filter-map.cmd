msrtrap diff s9.json all.vmx
