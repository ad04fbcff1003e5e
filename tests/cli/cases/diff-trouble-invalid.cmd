msrtrap diff k-flags-bit1.json p-same-a.policy
