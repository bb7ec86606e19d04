#!/usr/bin/env bash
# The PostgreSQL suite: a throwaway cluster (tests/pg/cluster.sh), then the
# store's PostgreSQL unit tests and the API suites that hold on both
# backends, each server on a fresh database (tests/lib/server.mjs honours
# KANAL_TEST_PG). Logs in $OUT (default build/test-results); prints
# "pg: N passed, N failed" last, or "pg: SKIPPED — reason" when PostgreSQL
# is not installed.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-build/test-results}
mkdir -p "$out"
export KANAL_BIN=${KANAL_BIN:-$PWD/build/asan/kanal}
# The API suites that run on PostgreSQL (the others read the SQLite file
# directly, or lock it, to check what they check). Not yet: ratelimit (its held-jobs
# metric needs windows exhausted, which the slower PostgreSQL run under the
# sanitizers does not reach within the test's minute).
suites=(auth matrix posts publish crash x mastodon limits)

dir=$(mktemp -d /tmp/kanal-pg-XXXXXX)
chmod 755 "$dir"
url=$(tests/pg/cluster.sh start "$dir" 2>"$out/pg-cluster.log")
rc=$?
if [ $rc -eq 3 ]; then
	echo "pg: SKIPPED — $(cat "$out/pg-cluster.log")"
	rm -rf "$dir"
	exit 0
fi
if [ $rc -ne 0 ]; then
	cat "$out/pg-cluster.log"
	echo "pg: 0 passed, 1 failed"
	rm -rf "$dir"
	exit 1
fi
trap 'tests/pg/cluster.sh stop "$dir"; rm -rf "$dir"' EXIT
export KANAL_TEST_PG=$url
passed=0
failed=0

echo "== pg: unit test_store_pg"
build/asan/tests/test_store_pg >"$out/pg-test_store_pg.log" 2>&1
urc=$?
grep -v 'applied migration' "$out/pg-test_store_pg.log"
p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out/pg-test_store_pg.log" | tail -1)
f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out/pg-test_store_pg.log" | tail -1)
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
[ $urc -ne 0 ] && [ "${f:-0}" -eq 0 ] && failed=$((failed + 1))

files=()
for s in "${suites[@]}"; do files+=("tests/api/$s.test.mjs"); done
echo "== pg: API suites on PostgreSQL (${suites[*]})"
node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=tap --test-reporter-destination="$out/pg-api.tap" "${files[@]}"
nrc=$?
p=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$out/pg-api.tap" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$out/pg-api.tap" | tail -1)
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
[ $nrc -ne 0 ] && [ "${f:-0}" -eq 0 ] && failed=$((failed + 1))
echo "pg: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
