msrtrap check --json k-flags-bit1.json
