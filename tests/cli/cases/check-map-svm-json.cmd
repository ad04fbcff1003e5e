msrtrap check --json efer-w.svm
