msrtrap explain efer-w.svm 0x40000000
