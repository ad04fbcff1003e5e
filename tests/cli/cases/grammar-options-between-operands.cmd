msrtrap diff efer-w.vmx --json none.vmx
