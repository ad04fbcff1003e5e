msrtrap sim sim/strategy.sim && msrtrap sim --strategy DELTA sim/strategy.sim
