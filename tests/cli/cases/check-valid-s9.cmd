msrtrap check s9.json
