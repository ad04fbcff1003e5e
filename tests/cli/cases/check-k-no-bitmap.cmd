msrtrap check k-no-bitmap.json
