msrtrap compile examples/cloud-profile.policy --to vmx | msrtrap decode -
