msrtrap check j-base.json
