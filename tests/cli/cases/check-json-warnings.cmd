msrtrap check --json enc-x2apic.policy
