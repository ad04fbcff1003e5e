msrtrap check k-empty-deny-slot.json
