msrtrap sim sim/nested-svm.sim
