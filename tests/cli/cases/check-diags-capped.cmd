i=0; while [ $i -lt 150 ]; do echo 'alow rw IA32_EFR'; i=$((i + 1)); done | msrtrap check - 2>&1 >/dev/null | sed -n '99,$p'
