msrtrap check --json p-warn.policy
