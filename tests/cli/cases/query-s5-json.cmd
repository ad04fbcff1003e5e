msrtrap query --json s5.json IA32_CR_PAT IA32_APIC_BASE IA32_TSC 0x474f4f00
