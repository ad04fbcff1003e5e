msrtrap sim sim/kernel-svm-v6.19.sim
