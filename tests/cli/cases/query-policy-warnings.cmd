msrtrap query p-warn.policy IA32_PAT
