msrtrap query p-implicit.policy IA32_TSC 0x11
