msrtrap merge efer-w.svm all.svm --json
