printf '0x10\n0x11\0garbage\n' | msrtrap query examples/sandbox.policy -
