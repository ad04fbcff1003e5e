msrtrap decode --json none.svm
