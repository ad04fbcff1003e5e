msrtrap compile none.svm --to policy
