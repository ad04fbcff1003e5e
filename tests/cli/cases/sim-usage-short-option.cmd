msrtrap sim -x examples/seed.sim
