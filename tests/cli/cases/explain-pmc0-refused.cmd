msrtrap explain examples/sandbox.policy MSR_IA32_PMC0
