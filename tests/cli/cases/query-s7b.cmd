msrtrap query s7b.json IA32_CR_PAT
