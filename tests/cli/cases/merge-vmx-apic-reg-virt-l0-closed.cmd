msrtrap merge -c msr-bitmaps,virt-x2apic,apic-reg-virt none.vmx all.vmx --json
