msrtrap compile p-ffff.policy --to vmx | msrtrap decode -
