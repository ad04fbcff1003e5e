msrtrap help nonsense
