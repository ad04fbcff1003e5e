msrtrap sim examples/kernels/seed-v5.19.sim
