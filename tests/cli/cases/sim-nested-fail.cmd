msrtrap sim sim/nested-fail.sim
