msrtrap check k-order.json
