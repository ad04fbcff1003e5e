msrtrap sim --strategy all --json examples/seed.sim
