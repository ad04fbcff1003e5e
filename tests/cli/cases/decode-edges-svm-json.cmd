msrtrap decode --json edges.svm
