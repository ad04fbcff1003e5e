msrtrap sim sim/kernel-bad.sim
