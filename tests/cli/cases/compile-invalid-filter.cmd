msrtrap compile k-flags-bit1.json --to policy
