msrtrap compile examples/cloud-profile.policy --to policy
