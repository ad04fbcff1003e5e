msrtrap sim
