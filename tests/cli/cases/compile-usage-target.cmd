msrtrap compile --to xml examples/sandbox.policy
