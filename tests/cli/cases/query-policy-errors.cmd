msrtrap query p-errors.policy 0x10
