msrtrap compile examples/sandbox.policy --to vmx -o s.vmx && wc -c <s.vmx && msrtrap check s.vmx
