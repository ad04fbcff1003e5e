msrtrap query examples/sandbox.policy IA32_PMC0 MSR_IA32_A_PMC0
