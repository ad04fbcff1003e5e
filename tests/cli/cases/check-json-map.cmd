msrtrap check --json none.vmx
