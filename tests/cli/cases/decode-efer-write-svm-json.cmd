msrtrap decode --json efer-w.svm
