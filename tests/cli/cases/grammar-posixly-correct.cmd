POSIXLY_CORRECT=1 msrtrap query examples/sandbox.policy 0x10 --json
