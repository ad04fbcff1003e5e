msrtrap compile p-crlf.policy --to policy
