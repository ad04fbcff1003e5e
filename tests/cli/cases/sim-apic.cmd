msrtrap sim sim/apic.sim
