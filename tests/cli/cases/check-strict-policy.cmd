msrtrap check --strict enc-x2apic.policy
