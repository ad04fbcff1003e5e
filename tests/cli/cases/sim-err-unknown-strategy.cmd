msrtrap sim --strategy fastest examples/seed.sim
