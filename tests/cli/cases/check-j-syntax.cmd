msrtrap check j-syntax.json
