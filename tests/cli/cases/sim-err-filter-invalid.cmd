msrtrap sim sim/bad-filter.sim
