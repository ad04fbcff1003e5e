msrtrap check k-x2apic.json
