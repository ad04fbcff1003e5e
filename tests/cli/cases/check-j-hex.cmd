msrtrap check j-hex.json
