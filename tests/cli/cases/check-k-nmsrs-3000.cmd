msrtrap check k-nmsrs-3000.json
