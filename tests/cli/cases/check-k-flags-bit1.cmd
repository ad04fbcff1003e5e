msrtrap check k-flags-bit1.json
