msrtrap decode edges.vmx
