msrtrap decode --max-input 4K none.svm
