msrtrap check --format xml s5.json
