msrtrap diff short.bin p-same-a.policy
