msrtrap check no-such.json
