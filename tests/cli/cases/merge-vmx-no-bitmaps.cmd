msrtrap merge -c none all.vmx all.vmx --json
