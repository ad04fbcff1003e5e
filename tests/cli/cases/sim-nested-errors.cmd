msrtrap sim sim/nested-errors.sim
