msrtrap help names query
