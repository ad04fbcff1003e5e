msrtrap check k-range-flags0.json
