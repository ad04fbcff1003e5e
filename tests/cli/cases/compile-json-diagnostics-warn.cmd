msrtrap compile --json-diagnostics enc-x2apic.policy
