msrtrap check k-short-bitmap.json
