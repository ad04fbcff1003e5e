msrtrap sim sim/nested.sim
