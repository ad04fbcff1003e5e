msrtrap compile enc-x2apic.policy --to c | sed -n 10,12p
