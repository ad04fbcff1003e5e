msrtrap merge --kernel v6.0 -c msr-bitmaps,virt-x2apic,vid all.vmx all.vmx --json
