msrtrap check --json enc-empty.policy
