msrtrap check j-unknown-key.json
