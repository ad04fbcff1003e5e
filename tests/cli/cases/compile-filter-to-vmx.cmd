msrtrap compile s9.json --to vmx | msrtrap decode -
