# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by the CLI's shell tests, after `set -u`, with $1 the msrtrap
# binary and $2 the source root: sets bin and src, moves into a scratch
# directory removed on exit, and gives TAP ok/notok (notok shows the
# first lines of ./err). The caller prints the plan at the end and exits
# with [ "$failed" -eq 0 ].
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ -s err ] && sed 's/^/#   stderr: /' err | head -10
	return 0
}
