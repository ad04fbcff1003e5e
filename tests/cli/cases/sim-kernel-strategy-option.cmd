msrtrap sim --strategy recompute examples/kernels/seed-v6.0.sim
