msrtrap check k-empty-deny.json
