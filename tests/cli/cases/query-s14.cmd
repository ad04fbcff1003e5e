msrtrap query s14.json IA32_CR_PAT 0xffffffff 0xfffffffe 0
