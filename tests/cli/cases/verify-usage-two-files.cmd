msrtrap verify examples/sandbox.policy examples/cloud-profile.policy
