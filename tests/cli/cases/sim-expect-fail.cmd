msrtrap sim sim/expect-fail.sim
