msrtrap compile edges.svm --to policy
