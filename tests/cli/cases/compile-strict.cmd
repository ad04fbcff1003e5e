msrtrap compile --strict enc-x2apic.policy
