msrtrap query s7c.json IA32_CR_PAT
