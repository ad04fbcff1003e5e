msrtrap explain p-crlf.policy IA32_TSC
