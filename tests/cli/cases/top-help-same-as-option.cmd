for c in names decode check query explain sim compile diff verify kvm-check; do msrtrap help $c >a.txt; msrtrap $c --help >b.txt; cmp a.txt b.txt || echo "$c differs"; done; echo done
