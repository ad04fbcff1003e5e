msrtrap query examples/sandbox.policy msr_ia32_pmc0
