msrtrap check --json j-syntax.json
