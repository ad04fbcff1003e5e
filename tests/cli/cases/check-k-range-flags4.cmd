msrtrap check k-range-flags4.json
