msrtrap sim --json -s recompute sim/nested-fail.sim
