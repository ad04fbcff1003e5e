msrtrap verify k-range-flags0.json
