msrtrap sim --json -s delta sim/nested.sim
