msrtrap query examples/sandbox.policy IA32_EFR
