printf 'default deny\rallow rw 0x10\r' >enc-cr.policy && msrtrap check enc-cr.policy
