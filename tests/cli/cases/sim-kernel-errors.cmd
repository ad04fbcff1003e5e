msrtrap sim sim/kernel-errors.sim
