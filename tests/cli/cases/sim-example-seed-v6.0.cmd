msrtrap sim examples/kernels/seed-v6.0.sim
