msrtrap explain p-explain.policy IA32_EFER
