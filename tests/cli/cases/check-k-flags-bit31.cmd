msrtrap check k-flags-bit31.json
