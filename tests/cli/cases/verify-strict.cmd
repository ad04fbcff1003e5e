msrtrap verify --strict enc-x2apic.policy
