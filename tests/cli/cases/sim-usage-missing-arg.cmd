msrtrap sim --strategy
