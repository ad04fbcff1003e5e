msrtrap query efer-w.vmx IA32_EFER 0x10 0x40000000
