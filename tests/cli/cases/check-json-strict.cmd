msrtrap check --json --strict enc-x2apic.policy
