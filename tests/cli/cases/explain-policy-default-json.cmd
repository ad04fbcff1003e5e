msrtrap explain --json p-implicit.policy 0x10
