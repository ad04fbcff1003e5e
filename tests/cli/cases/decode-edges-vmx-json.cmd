msrtrap decode --json edges.vmx
