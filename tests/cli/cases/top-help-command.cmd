msrtrap help names
