msrtrap query k-range-flags4.json 0x10
