msrtrap merge -k 6.0 all.svm all.svm
