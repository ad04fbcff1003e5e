msrtrap query examples/sandbox.policy - <&-
