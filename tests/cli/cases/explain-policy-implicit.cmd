msrtrap explain p-implicit.policy IA32_PAT
