msrtrap merge -o all.vmx all.vmx all.vmx
