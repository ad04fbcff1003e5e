msrtrap compile p-comment.policy --to policy && msrtrap compile p-comment.policy
