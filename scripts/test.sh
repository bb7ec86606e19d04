#!/usr/bin/env bash
# Run every test against the sanitized build: cmocka unit tests, API tests
# against a real server, browser tests in headless Chromium. Prints one
# closing line: "kanal: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

export KANAL_BIN="$PWD/build/asan/kanal"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
out=build/test-results
rm -rf "$out" && mkdir -p "$out"
passed=0
failed=0
suites_failed=()

# cmocka: "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:"
for t in build/asan/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "== unit: $name"
	"$t" >"$out/$name.log" 2>&1
	rc=$?
	cat "$out/$name.log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out/$name.log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out/$name.log" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		failed=$((failed + 1))
		suites_failed+=("$name (exit $rc)")
	fi
done

# node:test suites: spec to the terminal, TAP to a file for the counts.
run_node() {
	local suite=$1
	shift
	ls tests/$suite/*.test.mjs >/dev/null 2>&1 || return 0
	echo "== $suite tests"
	node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
		--test-reporter=tap --test-reporter-destination="$out/${suite//\//-}.tap" "$@" tests/$suite/*.test.mjs
	local rc=$?
	local p f
	p=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$out/${suite//\//-}.tap" | tail -1)
	f=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$out/${suite//\//-}.tap" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		failed=$((failed + 1))
		suites_failed+=("$suite (exit $rc)")
	fi
}
# libFuzzer targets: replay the seed corpora only (no new inputs; `make
# fuzz` explores). Needs clang; without it the step is skipped, said aloud.
if command -v clang >/dev/null; then
	echo "== fuzz corpora (replay)"
	if make --no-print-directory -s build/fuzz/fuzz_media_probe build/fuzz/fuzz_multipart >"$out/fuzz-build.log" 2>&1; then
		scripts/fuzz.sh check | tee "$out/fuzz.log"
		# one "fuzz <target>: ..." line per target; the rest is the log of a failure
		ok=$(grep -cE '^fuzz .*, exit 0( |$)' "$out/fuzz.log")
		bad=$(($(grep -c '^fuzz ' "$out/fuzz.log") - ok))
		passed=$((passed + ok))
		failed=$((failed + bad))
	else
		cat "$out/fuzz-build.log"
		failed=$((failed + 1))
		suites_failed+=("fuzz (build)")
	fi
else
	echo "== fuzz corpora: SKIPPED — clang is not installed (apt-get install clang, or make deps-test)"
fi

run_node api
run_node conformance
run_node e2e
run_node peers/bsky

# The same store and API suites on PostgreSQL (a throwaway cluster); its
# counts join the closing line. Without PostgreSQL it says SKIPPED.
OUT="$out" tests/pg/run.sh | tee "$out/pg.log"
pgline=$(tail -1 "$out/pg.log")
if [[ $pgline =~ ^pg:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
elif [[ $pgline != pg:\ SKIPPED* ]]; then
	failed=$((failed + 1))
	suites_failed+=("pg (no result line)")
fi

for s in "${suites_failed[@]}"; do echo "suite failed without a counted test: $s"; done
echo "kanal: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
