msrtrap compile --format policy p-crlf.policy --to policy
