printf 'default deny\nallow rw 0x10\nallow rw 0x40000000\n' >vst.policy; msrtrap compile --to vmx --strict -o vst.vmx vst.policy; rc=$?; [ -e vst.vmx ] && echo "vst.vmx written"; exit $rc
