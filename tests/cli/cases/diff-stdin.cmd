msrtrap diff - p-same-b.policy <p-same-a.policy
