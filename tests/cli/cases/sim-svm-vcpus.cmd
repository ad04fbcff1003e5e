msrtrap sim sim/svm.sim
