msrtrap check k-wrap.json
