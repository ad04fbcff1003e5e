msrtrap check --json k-short-bitmap.json
