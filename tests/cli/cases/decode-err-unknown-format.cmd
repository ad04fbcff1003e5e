msrtrap decode --format ept efer-w.vmx
