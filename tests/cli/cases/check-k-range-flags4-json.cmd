msrtrap check --json k-range-flags4.json
