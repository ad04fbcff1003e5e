# Inputs for the CLI golden tests, made in the scratch directory.
mk="$SRC/tools/mkmap.py"
# only MSR 0xc0000080's write bit cleared (the foundation issue's "done when")
python3 "$mk" vmx efer-w.vmx w:0xc0000080
python3 "$mk" svm efer-w.svm w:0xc0000080
# all-intercept maps
python3 "$mk" vmx none.vmx
python3 "$mk" svm none.svm
# runs touching every span edge, read and write differing
python3 "$mk" vmx edges.vmx rw:0x0-0x7 r:0x1ff8-0x1fff w:0xc0000000 rw:0xc0001fff
python3 "$mk" svm edges.svm rw:0x0-0x3 w:0x1fff r:0xc0000000-0xc0001fff rw:0xc0010000-0xc0010003 r:0xc0011fff
# everything passes through
python3 "$mk" vmx all.vmx rw:0x0-0x1fff rw:0xc0000000-0xc0001fff
head -c 100 /dev/zero >short.bin
head -c 4096 /dev/zero >zero4096.bin
