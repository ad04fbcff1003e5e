msrtrap sim a.sim b.sim
