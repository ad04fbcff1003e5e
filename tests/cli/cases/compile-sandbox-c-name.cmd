msrtrap compile --to c --name sandbox_filter -o sandbox.c examples/sandbox.policy && grep -n "sandbox_filter" sandbox.c
