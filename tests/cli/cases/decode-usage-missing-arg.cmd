msrtrap decode --format
