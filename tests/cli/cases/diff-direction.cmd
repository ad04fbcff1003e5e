msrtrap diff p-same-a.policy p-implicit.policy
