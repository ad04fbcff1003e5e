#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run msrtrap-bench and turn its JSON report into the PNG plots of
# docs/benchmarks.md (gnuplot, from Debian's gnuplot-nox; installed here
# when missing and running as root).
#
# usage: tools/bench-plots.sh [--quick] [OUTDIR]   (default OUTDIR: docs/img)
set -eu
cd "$(dirname "$0")/.."
quick=""
[ "${1:-}" = "--quick" ] && { quick=--quick; shift; }
out=${1:-docs/img}
command -v gnuplot >/dev/null 2>&1 || {
	[ "$(id -u)" -eq 0 ] || { echo "bench-plots: gnuplot missing (apt-get install gnuplot-nox)" >&2; exit 1; }
	apt-get install -y -qq gnuplot-nox >/dev/null
}
tools/setup.sh
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/bench/msrtrap-bench $quick --json >"$tmp/report.json"
cp "$tmp/report.json" "$out/report.json.tmp" && mv "$out/report.json.tmp" "$out/report.json"

python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/report.json"))
with open(d + "/lookup.dat", "w") as f:
    f.write("# ranges compiled linear bittest (random MSRs)\n")
    for x in r["lookup"]:
        if x["name"].endswith("_random"):
            n = int(x["name"][len("lookup"):].split("_")[0])
            f.write("%d %f %f %f\n" % (n, x["compiled_ns"], x["linear_ns"], x["bittest_ns"]))
for fmt in ("vmx", "svm"):
    with open(d + "/refresh-%s.dat" % fmt, "w") as f:
        f.write("# passthrough reapply skip recompute delta (filter change touching 1 MSR)\n")
        for x in r["refresh"]:
            if x["format"] == fmt and x["touched_msrs"] == 1:
                s = x["strategies"]
                f.write("%d %f %f %f %f\n" % (x["passthrough_msrs"], s["reapply-all"]["ns"],
                        s["skip-intercepted"]["ns"], s["recompute"]["ns"], s["delta"]["ns"]))
PY

gnuplot <<GP
set terminal pngcairo size 800,500 noenhanced
set output "$out/lookup.png"
set title "allowed(msr, access), random MSRs: ns per lookup vs filter ranges"
set xlabel "non-empty ranges in the filter"
set ylabel "ns per lookup"
set logscale x 2
set key top left
plot "$tmp/lookup.dat" using 1:3 with linespoints title "linear scan (kvm_msr_allowed)", \
     "" using 1:2 with linespoints title "msrtrap compiled (inline view)", \
     "" using 1:4 with linespoints title "bare bit test (floor)"
set output "$out/refresh-vmx.png"
set title "VMX: ns per vCPU sync after a filter change touching 1 MSR"
set xlabel "pass-through MSRs"
set ylabel "ns per sync (log)"
set logscale xy
plot "$tmp/refresh-vmx.dat" using 1:2 with linespoints title "reapply-all (before the patch)", \
     "" using 1:3 with linespoints title "skip-intercepted (the patch)", \
     "" using 1:4 with linespoints title "recompute (6.17)", \
     "" using 1:5 with linespoints title "delta (msrtrap)"
set output "$out/refresh-svm.png"
set title "SVM: ns per vCPU sync after a filter change touching 1 MSR"
plot "$tmp/refresh-svm.dat" using 1:2 with linespoints title "reapply-all", \
     "" using 1:3 with linespoints title "skip-intercepted", \
     "" using 1:4 with linespoints title "recompute", \
     "" using 1:5 with linespoints title "delta"
GP
echo "bench-plots: $out/lookup.png $out/refresh-vmx.png $out/refresh-svm.png $out/report.json"
