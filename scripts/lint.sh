#!/usr/bin/env bash
# Static checks: banned calls (STYLE.md), cppcheck, and clang-tidy's bug
# finders. Exits non-zero on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

# Unsafe or error-swallowing calls; use buf_*, str_copy, str_to_i64 instead.
banned='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|atoll|gets|tmpnam|rand|srand)[[:space:]]*\('
if grep -nE "$banned" $(find src tools -name '*.[ch]'); then
	echo "lint: banned calls above (see ../shared/STYLE.md)" >&2
	status=1
fi

# exit() belongs to main.c and src/cli/ only.
if grep -nE '\bexit[[:space:]]*\(' $(find src -name '*.c' ! -path 'src/cli/*' ! -name main.c); then
	echo "lint: exit() outside src/cli/ and main.c" >&2
	status=1
fi

# core never includes the edges' libraries.
if grep -nE '#include <(microhttpd|curl/curl|sqlite3|libpq-fe)\.h>' src/core/*.c src/core/*.h; then
	echo "lint: core includes an edge library" >&2
	status=1
fi

pkg=$(pkg-config --cflags libmicrohttpd jansson sqlite3 libsodium libical vips libpq 2>/dev/null)
if command -v cppcheck >/dev/null; then
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance --std=c11 \
		--inline-suppr --suppress=missingIncludeSystem --suppress=ctuuninitvar -D_GNU_SOURCE -DKANAL_VERSION='"lint"' \
		-Isrc src || status=1
else
	echo "lint: cppcheck not installed (apt-get install cppcheck)" >&2
	status=1
fi

if command -v clang-tidy >/dev/null; then
	files=$(find src -name '*.c')
	clang-tidy --quiet --warnings-as-errors='*' \
		--checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,-bugprone-branch-clone,-bugprone-implicit-widening-of-multiplication-result,misc-redundant-expression' \
		$files -- -std=c17 -D_GNU_SOURCE -DKANAL_VERSION='"lint"' -Isrc -Ibuild/gen $pkg 2>/dev/null || status=1
fi

[ $status -eq 0 ] && echo "lint: clean"
exit $status
