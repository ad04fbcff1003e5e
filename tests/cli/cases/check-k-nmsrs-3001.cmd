msrtrap check k-nmsrs-3001.json
