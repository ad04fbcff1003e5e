msrtrap check --json enc-typo.policy
