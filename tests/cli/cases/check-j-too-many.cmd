msrtrap check j-too-many.json
