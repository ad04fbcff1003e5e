msrtrap check --json k-flags-6.json
