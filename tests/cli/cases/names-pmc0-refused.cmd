msrtrap names MSR_IA32_PMC0
