#!/usr/bin/env bash
# The libFuzzer targets (tests/fuzz/fuzz_*.c, built by `make fuzz`):
#   fuzz.sh run SECONDS   grow build/fuzz/corpus/<target> from the seeds in
#                         tests/fuzz/seeds/<target> for SECONDS each; crashes
#                         are kept in build/fuzz/crashes/
#   fuzz.sh check         replay the seeds once, no new inputs (make test)
# Prints one line per target and exits non-zero on any crash.
set -uo pipefail
cd "$(dirname "$0")/.."
targets=(media_probe multipart)
mode=${1:-check}
seconds=${2:-60}
status=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p build/fuzz/crashes build/fuzz/logs
for t in "${targets[@]}"; do
	bin=build/fuzz/fuzz_$t
	seeds=tests/fuzz/seeds/$t
	log=build/fuzz/logs/$t.$mode.log
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: $bin is not built (make $bin)"
		status=1
		continue
	fi
	if [ "$mode" = run ]; then
		corpus=build/fuzz/corpus/$t
		mkdir -p "$corpus"
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=build/fuzz/crashes/$t- "$corpus" "$seeds" >"$log" 2>&1
		rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		echo "fuzz $t: ${seconds}s, ${runs:-?} runs (${rate:-?}/s), $cov, corpus $(ls "$corpus" | wc -l) files, exit $rc"
	else
		"$bin" -runs=0 -timeout=10 -rss_limit_mb=2560 -artifact_prefix=build/fuzz/crashes/$t- "$seeds" >"$log" 2>&1
		rc=$?
		again=""
		# LeakSanitizer itself can fail at exit (its stop-the-world over the
		# threads a dlopen'd libvips started): that is the tool breaking, not
		# a finding, so the replay runs once more; a leak or a crash is
		# reported as found, and a second tool failure fails the step.
		if [ $rc -ne 0 ] && grep -q 'LeakSanitizer has encountered a fatal error' "$log"; then
			mv "$log" "$log.first"
			"$bin" -runs=0 -timeout=10 -rss_limit_mb=2560 -artifact_prefix=build/fuzz/crashes/$t- "$seeds" >"$log" 2>&1
			rc=$?
			again=" (replayed again after LeakSanitizer's own failure)"
		fi
		echo "fuzz $t: replayed $(ls "$seeds" | wc -l) seeds, exit $rc$again"
	fi
	if [ $rc -ne 0 ]; then
		status=1
		tail -40 "$log"
	fi
done
exit $status
