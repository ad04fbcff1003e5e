msrtrap sim sim/apic-svm.sim
