msrtrap check --verbose s5.json
