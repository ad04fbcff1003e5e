msrtrap diff p-same-a.policy p-same-b.policy
