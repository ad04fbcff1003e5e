msrtrap check --json enc-bom.json
