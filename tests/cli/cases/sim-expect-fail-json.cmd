msrtrap sim --json --strategy recompute sim/expect-fail.sim
