msrtrap names efer
