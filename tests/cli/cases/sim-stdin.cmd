msrtrap sim - <sim/stdin.sim
