msrtrap query s7a.json IA32_CR_PAT
