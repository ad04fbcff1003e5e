msrtrap diff p-same-a.policy no-such.policy
