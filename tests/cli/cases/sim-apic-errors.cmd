msrtrap sim sim/apic-errors.sim
