msrtrap explain --json s7c.json IA32_CR_PAT
