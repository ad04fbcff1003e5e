msrtrap check --json s9.json
