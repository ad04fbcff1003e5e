msrtrap query --json p-explain.policy efer 0x10
