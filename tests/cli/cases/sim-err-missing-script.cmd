msrtrap sim no-such.sim
