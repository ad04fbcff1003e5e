msrtrap compile edges.vmx --to policy
