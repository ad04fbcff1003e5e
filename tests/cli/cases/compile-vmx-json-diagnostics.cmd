printf 'default deny\nallow rw 0x10\nallow rw 0x40000000\n' >vjd.policy && msrtrap compile --to vmx --json-diagnostics -o vjd.vmx vjd.policy && wc -c <vjd.vmx
