msrtrap sim sim/empty.sim
