msrtrap compile examples/sandbox.policy --to svm | wc -c
