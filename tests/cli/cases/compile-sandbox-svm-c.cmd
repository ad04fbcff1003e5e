msrtrap compile --to svm-c --name guest_msrpm examples/sandbox.policy
