msrtrap compile examples/sandbox.policy p-crlf.policy
