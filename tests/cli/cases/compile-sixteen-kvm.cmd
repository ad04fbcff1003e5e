msrtrap compile examples/sixteen-ranges.policy -o sixteen.json && msrtrap check sixteen.json
