msrtrap explain s7c.json IA32_CR_PAT
