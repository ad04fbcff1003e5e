msrtrap check --json k-wrap.json
