msrtrap explain --json efer-w.svm 0xc0010000
