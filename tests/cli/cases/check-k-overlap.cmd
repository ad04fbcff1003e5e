msrtrap check k-overlap.json
