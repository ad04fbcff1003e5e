msrtrap explain examples/sandbox.policy IA32_LSTR
