msrtrap explain --format json - 0x10 <k-empty-allow.json
