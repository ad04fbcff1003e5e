msrtrap decode no-such-file.vmx
