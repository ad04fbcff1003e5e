msrtrap explain --json p-explain.policy IA32_EFER
