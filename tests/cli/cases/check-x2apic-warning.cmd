msrtrap check enc-x2apic.policy
