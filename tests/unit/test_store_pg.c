/* test_store_pg: the PostgreSQL backend. Without a server: every statement
 * id has PostgreSQL SQL. With KANAL_TEST_PG (a base URL such as
 * "postgres://kanal@127.0.0.1:5433/", set by tests/pg/run.sh) each test
 * gets a fresh database: migrations, every statement prepared by the
 * server, the error mapping, nested transactions, a failed statement that
 * leaves its transaction usable, the writer lock and the job claim with
 * SKIP LOCKED. Without it those tests skip, said aloud. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "core/core.h"
#include "jobs/jobs.h"
#include "store/store.h"

struct fx {
	char name[64];
	char dsn[512];
	struct store *st;
	struct actor cli;
};

static const char *base_url(void)
{
	const char *b = getenv("KANAL_TEST_PG");
	return b && *b ? b : NULL;
}

static void admin(const char *q)
{
	char dsn[512];
	snprintf(dsn, sizeof dsn, "%spostgres", base_url());
	PGconn *c = PQconnectdb(dsn);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connect %s: %s", dsn, PQerrorMessage(c));
	PGresult *r = PQexec(c, q);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", q, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

static int setup(void **state)
{
	if (!base_url())
		return 0;
	static int seq;
	struct fx *f = xcalloc(1, sizeof *f);
	snprintf(f->name, sizeof f->name, "kanal_unit_%d_%d", (int)getpid(), ++seq);
	char q[128];
	snprintf(q, sizeof q, "CREATE DATABASE %s", f->name);
	admin(q);
	snprintf(f->dsn, sizeof f->dsn, "%s%s", base_url(), f->name);
	struct err e;
	err_clear(&e);
	int applied = -1;
	if (store_open(f->dsn, &f->st, &e) || f->st->ops->migrate(f->st, &applied, &e)) {
		print_error("store: %s: %s\n", e.key, e.msg);
		return -1;
	}
	int want = 0;
	for (size_t i = 0; i < embedded_count; i++)
		want += str_starts(embedded_files[i].name, "sql/pg/");
	if (applied != want || want != 8)
		return -1;
	actor_cli(&f->cli);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (!f)
		return 0;
	store_close(f->st);
	char q[128];
	snprintf(q, sizeof q, "DROP DATABASE %s WITH (FORCE)", f->name);
	admin(q);
	free(f);
	return 0;
}

#define NEED_SERVER(state)                                                                                             \
	do {                                                                                                           \
		if (!base_url()) {                                                                                     \
			print_message("SKIPPED: no PostgreSQL server (KANAL_TEST_PG, see tests/pg/run.sh)\n");         \
			skip();                                                                                        \
		}                                                                                                      \
	} while (0)

/* Every statement the core may run has PostgreSQL SQL, and as many
 * statements as SQLite has: a new Q_* id without a PostgreSQL text fails
 * here, server or not. */
static void test_every_statement_has_pg_sql(void **state)
{
	(void)state;
	for (int q = 0; q < Q__COUNT; q++) {
		const char *s = store_pg_sql((enum store_q)q);
		if (!s || !*s)
			fail_msg("statement %d has no PostgreSQL SQL", q);
		/* SQLite dialect that must not leak in */
		if (strstr(s, "?1") || strstr(s, "json_each") || strstr(s, "PRAGMA") || strstr(s, "INSERT OR"))
			fail_msg("statement %d has SQLite dialect: %s", q, s);
	}
	assert_null(store_pg_sql(Q__COUNT));
}

/* The server parses and types every statement (a parameter whose type it
 * cannot deduce, a function it lacks, a column that is not there). */
static void test_every_statement_prepares(void **state)
{
	NEED_SERVER(state);
	struct fx *f = *state;
	PGconn *c = PQconnectdb(f->dsn);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	int bad = 0;
	for (int q = 0; q < Q__COUNT; q++) {
		char name[16];
		snprintf(name, sizeof name, "t%d", q);
		PGresult *r = PQprepare(c, name, store_pg_sql((enum store_q)q), 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			print_error("statement %d does not prepare: %s%s\n", q, PQresultErrorMessage(r),
				    store_pg_sql((enum store_q)q));
			bad++;
		}
		PQclear(r);
	}
	PQfinish(c);
	assert_int_equal(bad, 0);
}

static void test_migrate_once_and_conflicts(void **state)
{
	NEED_SERVER(state);
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	assert_string_equal(f->st->ops->name, "postgres");
	int applied = -1;
	struct store *st2 = NULL;
	assert_int_equal(store_open(f->dsn, &st2, &e), 0);
	assert_int_equal(st2->ops->migrate(st2, &applied, &e), 0);
	assert_int_equal(applied, 0);
	store_close(st2);

	struct user u;
	assert_int_equal(user_create(f->st, &f->cli, "elira@studiodrita.al", "Elira Hoxha", NULL, "sq", &u, &e), 0);
	assert_true(u.id > 0);
	/* the same email again: the constraint path, as on SQLite */
	struct store_val v[] = {SV_S("elira@studiodrita.al"), SV_S("Again"), SV_N, SV_S("en"), SV_I(1)};
	int64_t id = 0;
	err_clear(&e);
	assert_int_equal(store_one_int(f->st, Q_USER_INSERT, v, NARGS(v), &id, &e), ERR_CONFLICT);
	assert_string_equal(e.key, "store.constraint");
	/* a check constraint too (language) */
	struct store_val w[] = {SV_S("x@studiodrita.al"), SV_S("X"), SV_N, SV_S("de"), SV_I(1)};
	err_clear(&e);
	assert_int_equal(store_one_int(f->st, Q_USER_INSERT, w, NARGS(w), &id, &e), ERR_CONFLICT);
	/* a password masked wherever the DSN is shown */
	char shown[256];
	store_dsn_safe("postgres://kanal:s3cret-pw@db.example:5432/kanal", shown, sizeof shown);
	assert_string_equal(shown, "postgres://kanal:***@db.example:5432/kanal");
	store_dsn_safe("postgresql://db.example/kanal?user=k&password=s3cret-pw", shown, sizeof shown);
	assert_null(strstr(shown, "s3cret"));
	store_dsn_safe("/var/lib/kanal/kanal.db", shown, sizeof shown);
	assert_string_equal(shown, "/var/lib/kanal/kanal.db");
}

/* workspace_create retries the slug inside its transaction after a
 * unique violation: on PostgreSQL the failed insert must not abort the
 * transaction. The calendar version trigger moves per workspace. */
static void test_failed_statement_keeps_transaction(void **state)
{
	NEED_SERVER(state);
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	struct user u;
	assert_int_equal(user_create(f->st, &f->cli, "arben@studiodrita.al", "Arben", NULL, "sq", &u, &e), 0);
	struct workspace a, b;
	assert_int_equal(workspace_create(f->st, &f->cli, "Furra e Lagjes", "Europe/Tirane", "sq", "ALL", u.id, &a, &e),
			 0);
	assert_int_equal(workspace_create(f->st, &f->cli, "Furra e Lagjes", "Europe/Tirane", "sq", "ALL", u.id, &b, &e),
			 0);
	assert_string_equal(a.slug, "furra-e-lagjes");
	assert_string_equal(b.slug, "furra-e-lagjes-2");
	assert_true(b.id > a.id);
	assert_int_equal(member_role(f->st, b.id, u.id), ROLE_OWNER);
	/* the last owner cannot leave (read then write in one transaction) */
	err_clear(&e);
	assert_int_equal(member_remove(f->st, &f->cli, b.id, u.id, &e), ERR_CONFLICT);
	assert_string_equal(e.key, "member.last_owner");
	int64_t v1 = 0, v2 = 0;
	struct store_val ws[] = {SV_I(a.id)};
	assert_int_equal(store_one_int(f->st, Q_CALENDAR_VERSION, ws, 1, &v1, &e), 0);
	assert_int_equal(v1, 1);
	assert_int_equal(workspace_update(f->st, &f->cli, a.id, NULL, "Europe/Rome", NULL, NULL, NULL, &e), 0);
	assert_int_equal(store_one_int(f->st, Q_CALENDAR_VERSION, ws, 1, &v2, &e), 0);
	assert_int_equal(v2, 2);
}

static int64_t count_users(struct store *st)
{
	int64_t n = -1;
	struct err e;
	err_clear(&e);
	struct user *list = NULL;
	size_t k = 0;
	if (user_list(st, &list, &k, &e) == 0)
		n = (int64_t)k;
	free(list);
	return n;
}

static void test_nested_transactions(void **state)
{
	NEED_SERVER(state);
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	struct user u;
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(user_create(f->st, &f->cli, "a@studiodrita.al", "A", NULL, "sq", &u, &e), 0);
	assert_int_equal(store_begin(f->st, &e), 0); /* a savepoint */
	assert_int_equal(user_create(f->st, &f->cli, "b@studiodrita.al", "B", NULL, "sq", &u, &e), 0);
	store_rollback(f->st); /* undoes b only */
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(user_create(f->st, &f->cli, "c@studiodrita.al", "C", NULL, "sq", &u, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0); /* releases the savepoint */
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(count_users(f->st), 2);
	struct user got;
	err_clear(&e);
	assert_int_equal(user_by_email(f->st, "b@studiodrita.al", &got, &e), ERR_NOTFOUND);
	/* an outer rollback undoes everything */
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(user_create(f->st, &f->cli, "d@studiodrita.al", "D", NULL, "sq", &u, &e), 0);
	store_rollback(f->st);
	assert_int_equal(count_users(f->st), 2);
}

struct waiter {
	const char *dsn;
	int64_t waited_ms;
	int rc;
};

static void *begin_elsewhere(void *p)
{
	struct waiter *w = p;
	struct err e;
	err_clear(&e);
	struct store *st = NULL;
	if (store_open(w->dsn, &st, &e)) {
		w->rc = -1;
		return NULL;
	}
	int64_t t0 = time_now_ms();
	w->rc = store_begin(st, &e);
	w->waited_ms = time_now_ms() - t0;
	if (!w->rc)
		store_rollback(st);
	store_close(st);
	return NULL;
}

/* begin takes the writer lock at once, as BEGIN IMMEDIATE: a second
 * connection's begin waits until the first commits. */
static void test_begin_takes_writer_lock(void **state)
{
	NEED_SERVER(state);
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	assert_int_equal(store_begin(f->st, &e), 0);
	struct waiter w = {f->dsn, 0, -1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, begin_elsewhere, &w), 0);
	usleep(400 * 1000);
	assert_int_equal(store_commit(f->st, &e), 0);
	pthread_join(t, NULL);
	assert_int_equal(w.rc, 0);
	assert_true(w.waited_ms >= 300);
}

static int claim_one(struct store *st, const char *owner, int64_t *id, struct err *e)
{
	int64_t now = time_now_ms();
	struct store_val v[] = {SV_S(owner), SV_I(now + 60000), SV_I(now), SV_I(1), SV_S("[]")};
	int rc = store_exec(st, Q_TX_LIGHT, NULL, 0, NULL, NULL, e);
	if (!rc)
		rc = store_begin(st, e);
	if (!rc)
		rc = store_one_int(st, Q_JOB_CLAIM, v, NARGS(v), id, e);
	return rc;
}

/* Two workers claim at once: the second is not blocked by the first's
 * open claim and takes the next job (FOR UPDATE SKIP LOCKED), never the
 * same one. */
static void test_job_claim_skips_locked(void **state)
{
	NEED_SERVER(state);
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	int64_t now = time_now_ms(), j1 = 0, j2 = 0;
	assert_int_equal(jobs_enqueue(f->st, "publish", "{}", 0, 0, now - 2000, 3, "k1", &j1, &e), 0);
	assert_int_equal(jobs_enqueue(f->st, "publish", "{}", 0, 0, now - 1000, 3, "k2", &j2, &e), 0);
	int64_t dup = -1;
	assert_int_equal(jobs_enqueue(f->st, "publish", "{}", 0, 0, now, 3, "k1", &dup, &e), 0);
	assert_int_equal(dup, 0); /* ON CONFLICT DO NOTHING RETURNING: no row */
	struct store *b = NULL;
	assert_int_equal(store_open(f->dsn, &b, &e), 0);
	int64_t got_a = 0, got_b = 0;
	assert_int_equal(claim_one(f->st, "a", &got_a, &e), 0);
	int64_t t0 = time_now_ms();
	assert_int_equal(claim_one(b, "b", &got_b, &e), 0);
	assert_true(time_now_ms() - t0 < 2000);
	assert_true(got_a == j1);
	assert_true(got_b == j2);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(store_commit(b, &e), 0);
	assert_int_equal(store_exec(f->st, Q_TX_DURABLE, NULL, 0, NULL, NULL, &e), 0);
	assert_int_equal(store_exec(b, Q_TX_DURABLE, NULL, 0, NULL, NULL, &e), 0);
	/* both leased: nothing left to claim */
	int64_t none = 0;
	err_clear(&e);
	assert_int_equal(claim_one(b, "b", &none, &e), ERR_NOTFOUND);
	store_rollback(b);
	store_close(b);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	if (crypto_init())
		return 1;
	if (!base_url())
		printf(
		    "test_store_pg: SKIPPED the server tests — KANAL_TEST_PG is not set (tests/pg/run.sh sets it)\n");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_statement_has_pg_sql),
	    T(test_every_statement_prepares),
	    T(test_migrate_once_and_conflicts),
	    T(test_failed_statement_keeps_transaction),
	    T(test_nested_transactions),
	    T(test_begin_takes_writer_lock),
	    T(test_job_claim_skips_locked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
