msrtrap compile examples/sandbox.policy --to svm | msrtrap decode --json -
