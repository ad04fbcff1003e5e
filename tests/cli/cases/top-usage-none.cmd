msrtrap
