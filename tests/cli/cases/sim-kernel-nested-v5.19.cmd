msrtrap sim sim/kernel-nested-v5.19.sim
