msrtrap compile - --to policy <examples/sandbox.policy
