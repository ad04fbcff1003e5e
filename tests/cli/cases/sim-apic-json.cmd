msrtrap sim --json -s recompute sim/apic.sim
