msrtrap diff p-errors.policy p-same-a.policy
