#!/usr/bin/env bash
# scripts/bench.sh [NAME [OPTIONS...]]: runs every bench/*/run, or only
# bench/NAME/run (with OPTIONS passed on), for `make bench [BENCH=NAME]`.
#
# A benchmark is not a test: a FAIL figure does not fail this script. It
# exits non-zero only when a run script itself breaks (exits non-zero), or
# when NAME names no benchmark (status 2).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=()
if [ $# -gt 0 ] && [ -n "$1" ]; then
	name=$1
	shift
	if [ ! -x "$repo/bench/$name/run" ]; then
		echo "bench: no benchmark '$name' (bench/$name/run)" >&2
		echo "bench: there are: $(cd "$repo/bench" && for d in */run; do printf '%s ' "${d%/run}"; done)" >&2
		exit 2
	fi
	runs=("$repo/bench/$name/run")
else
	[ $# -gt 0 ] && shift # an empty NAME: make bench BENCH=
	if [ $# -gt 0 ]; then
		echo "bench: options need a benchmark name" >&2
		exit 2
	fi
	for r in "$repo"/bench/*/run; do
		[ -x "$r" ] && runs+=("$r")
	done
fi
[ ${#runs[@]} -gt 0 ] || { echo "bench: no bench/*/run found" >&2; exit 2; }

log=$(mktemp "${TMPDIR:-/tmp}/kanal-bench.XXXXXX")
trap 'rm -f "$log"' EXIT
broken=()
for r in "${runs[@]}"; do
	name=$(basename "$(dirname "$r")")
	echo "== bench/$name"
	start=$(date +%s)
	"$r" "$@" 2>&1 | tee -a "$log"
	rc=${PIPESTATUS[0]}
	# On success the benchmark's own summary stays the last line.
	if [ "$rc" -ne 0 ]; then
		echo "== bench/$name BROKEN: exited with status $rc after $(($(date +%s) - start)) s"
		broken+=("$name")
	fi
done

if [ ${#runs[@]} -gt 1 ]; then
	echo "== summary"
	grep '^BENCH ' "$log" || echo "(no BENCH lines)"
fi
if [ ${#broken[@]} -gt 0 ]; then
	echo "bench: broken: ${broken[*]}" >&2
	exit 1
fi
exit 0
