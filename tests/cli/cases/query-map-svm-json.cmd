msrtrap query --json efer-w.svm IA32_EFER 0xc0010000 0xc0012000
