msrtrap names --json efer
