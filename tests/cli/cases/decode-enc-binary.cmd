msrtrap decode none.vmx | head -3
