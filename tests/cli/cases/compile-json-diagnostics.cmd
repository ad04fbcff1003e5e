msrtrap compile --json-diagnostics enc-typo.policy
