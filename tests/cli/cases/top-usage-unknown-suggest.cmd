msrtrap qeury
