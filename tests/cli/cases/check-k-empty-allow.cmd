msrtrap check k-empty-allow.json
