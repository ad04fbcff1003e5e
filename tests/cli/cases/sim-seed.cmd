msrtrap sim examples/seed.sim
