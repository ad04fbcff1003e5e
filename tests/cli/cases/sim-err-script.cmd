msrtrap sim sim/errors.sim
