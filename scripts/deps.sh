#!/usr/bin/env bash
# Install what kanal needs on Debian, only what is missing (fast the second
# time): `deps.sh build` for building and running, `deps.sh test` adds what
# the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
	libical-dev libutf8proc-dev libvips-dev libcurl4-openssl-dev libpq-dev tzdata nodejs npm)
test_pkgs=(libcmocka-dev chromium sqlite3 curl clang python3 postgresql-15 postgresql-client-15)

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	# nodejs/npm may come from elsewhere than Debian (the machine's own node).
	if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
	if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null; then sudo="sudo"; else
			echo "kanal: missing Debian packages: ${missing[*]}" >&2
			echo "kanal: run as root (or install sudo) so that make can install them" >&2
			exit 1
		fi
	fi
	echo "kanal: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; }
fi

# npm packages (UI library, browser-test driver), only when the lock changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
