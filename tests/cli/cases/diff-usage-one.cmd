msrtrap diff p-same-a.policy
