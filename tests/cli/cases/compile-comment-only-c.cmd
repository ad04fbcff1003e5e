msrtrap compile --to c p-comment.policy
