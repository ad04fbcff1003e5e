msrtrap sim --bogus examples/seed.sim
