msrtrap sim --json sim/missing-filter.sim
