msrtrap check --json k-empty-allow.json
