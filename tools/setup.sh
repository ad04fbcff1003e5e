#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what the build needs (Debian bookworm packages, only those that
# are missing; needs root for that), configure ./build once, and build.
#
# usage: tools/setup.sh [EXTRA-PACKAGE...]
set -eu
cd "$(dirname "$0")/.."

packages="meson ninja-build gcc pkg-config python3 binutils libjansson-dev libcmocka-dev scdoc $*"
missing=""
for pkg in $packages; do
	dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "setup: installing$missing" >&2
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build --quiet
