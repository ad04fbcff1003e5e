msrtrap merge --controls none -o out.svm efer-w.svm all.svm && cmp out.svm efer-w.svm && echo same as L0
