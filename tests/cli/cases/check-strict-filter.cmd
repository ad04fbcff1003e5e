msrtrap check --strict k-empty-allow.json
