msrtrap sim --json examples/kernels/seed-v6.0.sim
