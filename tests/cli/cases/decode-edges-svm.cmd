msrtrap decode edges.svm
