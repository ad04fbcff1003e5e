msrtrap explain k-overlap.json 0x275
