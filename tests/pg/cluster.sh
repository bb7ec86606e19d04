#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `cluster.sh start DIR`
# makes one in DIR (trust authentication, C locale, no fsync: nothing in
# it outlives the run), starts it on a free loopback port and prints the
# base URL to use ("postgres://kanal@127.0.0.1:PORT/"); `cluster.sh stop
# DIR` stops it. PostgreSQL refuses to run as root: as root the cluster
# belongs to the postgres user (runuser). Exit 3 when PostgreSQL is not
# installed, with the reason on stderr.
set -euo pipefail
cmd=${1:?start|stop} dir=${2:?DIR}

bin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bin=$d; done
[ -z "$bin" ] && command -v initdb >/dev/null && bin=$(dirname "$(command -v initdb)")
if [ -z "$bin" ]; then
	echo "PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql-15 (make deps-test)" >&2
	exit 3
fi
as=()
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || { echo "running as root and there is no postgres user to run the server" >&2; exit 3; }
	as=(runuser -u postgres --)
fi

case $cmd in
start)
	mkdir -p "$dir"
	[ ${#as[@]} -gt 0 ] && chown postgres "$dir"
	"${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U kanal --locale=C -E UTF8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	for _ in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 40000))
		if "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
			start >/dev/null 2>&1; then
			echo "postgres://kanal@127.0.0.1:$port/"
			exit 0
		fi
	done
	cat "$dir/server.log" >&2
	exit 1
	;;
stop)
	[ -d "$dir/data" ] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	;;
esac
