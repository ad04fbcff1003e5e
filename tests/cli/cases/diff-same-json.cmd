msrtrap diff --json p-same-a.policy p-same-b.policy
