msrtrap check k-nmsrs-ffffffff.json
