msrtrap sim --strategy skip-intercepted examples/seed.sim
