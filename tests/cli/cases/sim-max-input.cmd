msrtrap sim --max-input 10 examples/seed.sim
