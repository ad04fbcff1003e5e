printf 'default deny\nallow rw \377\376\n' >enc-two-bad.policy && msrtrap check enc-two-bad.policy
