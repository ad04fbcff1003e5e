msrtrap compile examples/cloud-profile.policy
