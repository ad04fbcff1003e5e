msrtrap explain k-short-bitmap.json 0x10
