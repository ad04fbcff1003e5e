msrtrap check examples/seed-unrelated.json --json
