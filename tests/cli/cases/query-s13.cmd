msrtrap query s13.json IA32_TSC IA32_EFER
