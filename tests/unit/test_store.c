/* test_store: the SQLite store and the core services over a temporary
 * database — migrations, users, workspaces, members, authorisation, API
 * tokens, sessions, the audit log and backups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/time.h"
#include "core/core.h"
#include "core/perm.h"
#include "store/store.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PASSWORD "lule-bore-2026"

/* One fresh database per test, in its own temporary directory. */
struct fx {
	char dir[64];
	char db[96];
	char copy[96];
	struct store *st;
	struct actor cli;
};

static int migrations_embedded(void)
{
	int n = 0;
	for (size_t i = 0; i < embedded_count; i++)
		if (str_starts(embedded_files[i].name, "sql/sqlite/"))
			n++;
	return n;
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	str_copy(f->dir, "/tmp/kanal-unit-XXXXXX", sizeof f->dir);
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof f->db, "%s/kanal.db", f->dir);
	snprintf(f->copy, sizeof f->copy, "%s/backup.db", f->dir);
	struct err e;
	err_clear(&e);
	int applied = -1;
	if (store_open(f->db, &f->st, &e) || f->st->ops->migrate(f->st, &applied, &e)) {
		print_error("store: %s: %s\n", e.key, e.msg);
		return -1;
	}
	if (applied != migrations_embedded())
		return -1;
	actor_cli(&f->cli);
	*state = f;
	return 0;
}

static void rm(const char *dir, const char *name)
{
	char p[160];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	unlink(p);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	const char *files[] = {"kanal.db",  "kanal.db-wal",  "kanal.db-shm",
			       "backup.db", "backup.db-wal", "backup.db-shm"};
	for (size_t i = 0; i < LEN(files); i++)
		rm(f->dir, files[i]);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Raw SQL on the test database, for states the API cannot reach quickly
 * (an expired token or session). */
static void sql(struct fx *f, const char *q)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	char *msg = NULL;
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg ? msg : "?");
	sqlite3_close(db);
}

static struct user make_user(struct fx *f, const char *email, const char *name, const char *password)
{
	struct user u;
	struct err e;
	err_clear(&e);
	if (user_create(f->st, &f->cli, email, name, password, NULL, &u, &e))
		fail_msg("user_create %s: %s %s", email, e.key, e.msg);
	return u;
}

static struct workspace make_ws(struct fx *f, const char *name, int64_t owner)
{
	struct workspace w;
	struct err e;
	err_clear(&e);
	if (workspace_create(f->st, &f->cli, name, "Europe/Tirane", "sq", "ALL", owner, &w, &e))
		fail_msg("workspace_create %s: %s %s", name, e.key, e.msg);
	return w;
}

static void add_member(struct fx *f, int64_t ws, const char *email, const char *role)
{
	struct err e;
	err_clear(&e);
	if (member_add(f->st, &f->cli, ws, email, NULL, role, NULL, NULL, &e))
		fail_msg("member_add %s: %s %s", email, e.key, e.msg);
}

static void expect_err(int rc, const struct err *e, int code, const char *key)
{
	if (rc != code || e->code != code || strcmp(e->key, key) != 0)
		fail_msg("got %d %s (%s), want %d %s", rc, e->key, e->msg, code, key);
}

/* ---- store ----------------------------------------------------------- */

static void test_store_open_and_migrate_once(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	int applied = -1;
	assert_true(migrations_embedded() >= 1);
	/* setup applied them all; a second run applies none */
	assert_int_equal(f->st->ops->migrate(f->st, &applied, &e), 0);
	assert_int_equal(applied, 0);
	assert_string_equal(f->st->ops->name, "sqlite");
	/* nor does a second connection to the same file */
	struct store *st2 = NULL;
	assert_int_equal(store_open(f->db, &st2, &e), 0);
	applied = -1;
	assert_int_equal(st2->ops->migrate(st2, &applied, &e), 0);
	assert_int_equal(applied, 0);
	store_close(st2);
	/* The tables are there: a user can be listed (none yet). */
	struct user *list = NULL;
	size_t n = 99;
	assert_int_equal(user_list(f->st, &list, &n, &e), 0);
	assert_int_equal(n, 0);
	free(list);
}

static void test_store_open_errors(void **state)
{
	(void)state;
	struct store *st = NULL;
	struct err e;
	err_clear(&e);
	expect_err(store_open("", &st, &e), &e, ERR_INVALID, "store.dsn");
	err_clear(&e);
	expect_err(store_open(NULL, &st, &e), &e, ERR_INVALID, "store.dsn");
	err_clear(&e);
	/* a PostgreSQL URL goes to store_pg (nothing listens on port 1) */
	expect_err(store_open("postgres://127.0.0.1:1/kanal?connect_timeout=2", &st, &e), &e, ERR_DB, "store.open");
	err_clear(&e);
	expect_err(store_open("postgresql://127.0.0.1:1/kanal?connect_timeout=2", &st, &e), &e, ERR_DB, "store.open");
	err_clear(&e);
	expect_err(store_open("/nonexistent-kanal-dir/x/kanal.db", &st, &e), &e, ERR_DB, "store.open");
	assert_null(st);
}

/* ---- users ----------------------------------------------------------- */

static void test_user_create_and_authenticate(void **state)
{
	struct fx *f = *state;
	struct err e;
	struct user u, got;
	err_clear(&e);
	assert_int_equal(crypto_init(), 0);
	int64_t t0 = time_now_ms();
	assert_int_equal(user_create(f->st, &f->cli, "Mira@StudioDrita.AL", "Mira Leka", PASSWORD, "en", &u, &e), 0);
	assert_true(u.id > 0);
	assert_string_equal(u.email, "mira@studiodrita.al");
	assert_string_equal(u.name, "Mira Leka");
	assert_string_equal(u.language, "en");
	assert_int_equal(u.has_password, 1);
	assert_true(u.created_at >= t0 && u.created_at <= time_now_ms());

	/* right password, any case of the email */
	assert_int_equal(user_authenticate(f->st, "MIRA@studiodrita.al", PASSWORD, &got, &e), 0);
	assert_true(got.id == u.id);
	assert_string_equal(got.email, "mira@studiodrita.al");

	/* wrong password and unknown user: the same answer */
	struct err wrong, unknown, malformed;
	err_clear(&wrong);
	err_clear(&unknown);
	err_clear(&malformed);
	expect_err(user_authenticate(f->st, "mira@studiodrita.al", "lule-bore-2025", &got, &wrong), &wrong, ERR_UNAUTH,
		   "auth.invalid_credentials");
	expect_err(user_authenticate(f->st, "nobody@studiodrita.al", PASSWORD, &got, &unknown), &unknown, ERR_UNAUTH,
		   "auth.invalid_credentials");
	expect_err(user_authenticate(f->st, "not an email", PASSWORD, &got, &malformed), &malformed, ERR_UNAUTH,
		   "auth.invalid_credentials");
	assert_string_equal(wrong.msg, unknown.msg);
	assert_string_equal(wrong.field, unknown.field);
	assert_string_equal(wrong.msg, malformed.msg);

	/* a user without a password cannot sign in */
	struct user np = make_user(f, "nopass@studiodrita.al", "No Pass", NULL);
	assert_int_equal(np.has_password, 0);
	err_clear(&e);
	expect_err(user_authenticate(f->st, "nopass@studiodrita.al", "", &got, &e), &e, ERR_UNAUTH,
		   "auth.invalid_credentials");

	/* lookups */
	assert_int_equal(user_get(f->st, u.id, &got, &e), 0);
	assert_string_equal(got.name, "Mira Leka");
	assert_int_equal(user_by_email(f->st, "mira@STUDIODRITA.al", &got, &e), 0);
	assert_true(got.id == u.id);
	assert_int_equal(user_get(f->st, np.id, &got, &e), 0);
	assert_int_equal(got.has_password, 0);
	err_clear(&e);
	expect_err(user_get(f->st, 999999, &got, &e), &e, ERR_NOTFOUND, "user.not_found");
	err_clear(&e);
	expect_err(user_by_email(f->st, "x@y", &got, &e), &e, ERR_NOTFOUND, "user.not_found");
	struct user *list = NULL;
	size_t n = 0;
	assert_int_equal(user_list(f->st, &list, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_true(list[0].id == u.id);
	assert_true(list[1].id == np.id);
	free(list);

	/* user_json */
	json_t *j = user_json(&u);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), u.id);
	assert_string_equal(json_string_value(json_object_get(j, "email")), "mira@studiodrita.al");
	assert_true(json_is_true(json_object_get(j, "has_password")));
	assert_int_equal(json_string_length(json_object_get(j, "created_at")), 24);
	assert_null(json_object_get(j, "password_hash"));
	json_decref(j);
}

static void test_user_create_refusals(void **state)
{
	struct fx *f = *state;
	struct err e;
	struct user u;
	assert_int_equal(crypto_init(), 0);
	make_user(f, "arben@studiodrita.al", "Arben Kola", NULL);
	err_clear(&e);
	int rc = user_create(f->st, &f->cli, "ARBEN@studiodrita.al", "Another Arben", NULL, NULL, &u, &e);
	expect_err(rc, &e, ERR_CONFLICT, "user.exists");
	assert_string_equal(e.field, "$.email");
	static const char *const bad_emails[] = {"",	     "ab",	 "no-at-sign", "@studiodrita.al",
						 "a@b@c.al", "a@nodot",	 "a@.al",      "a@b.al.",
						 "a b@c.al", "a<b@c.al", "a\"b@c.al"};
	for (size_t i = 0; i < LEN(bad_emails); i++) {
		err_clear(&e);
		expect_err(user_create(f->st, &f->cli, bad_emails[i], "X", NULL, NULL, &u, &e), &e, ERR_INVALID,
			   "user.email");
		assert_string_equal(e.field, "$.email");
	}
	err_clear(&e);
	expect_err(user_create(f->st, &f->cli, "n@studiodrita.al", "", NULL, NULL, &u, &e), &e, ERR_INVALID,
		   "user.name");
	err_clear(&e);
	expect_err(user_create(f->st, &f->cli, "n@studiodrita.al", "Tab\there", NULL, NULL, &u, &e), &e, ERR_INVALID,
		   "user.name");
	err_clear(&e);
	expect_err(user_create(f->st, &f->cli, "n@studiodrita.al", "N", NULL, "de", &u, &e), &e, ERR_INVALID,
		   "user.language");
	err_clear(&e);
	expect_err(user_create(f->st, &f->cli, "n@studiodrita.al", "N", "short", NULL, &u, &e), &e, ERR_INVALID,
		   "password.too_short");
	err_clear(&e);
	expect_err(user_create(f->st, &f->cli, "n@studiodrita.al", "N", "Password123", NULL, &u, &e), &e, ERR_INVALID,
		   "password.common");
	err_clear(&e);
	expect_err(user_create(f->st, &f->cli, "n@studiodrita.al", "N", "aaaaaaaaaaaa", NULL, &u, &e), &e, ERR_INVALID,
		   "password.common");
	/* None of the refusals left a row behind. */
	struct user *list = NULL;
	size_t n = 0;
	assert_int_equal(user_list(f->st, &list, &n, &e), 0);
	assert_int_equal(n, 1);
	free(list);
}

static void test_user_update(void **state)
{
	struct fx *f = *state;
	struct err e;
	struct user u = make_user(f, "sokol@studiodrita.al", "Sokol", NULL), got;
	err_clear(&e);
	assert_int_equal(user_update(f->st, &f->cli, u.id, "Sokol Berisha", NULL, &got, &e), 0);
	assert_string_equal(got.name, "Sokol Berisha");
	assert_string_equal(got.language, "en");
	assert_int_equal(user_update(f->st, &f->cli, u.id, NULL, "sq", &got, &e), 0);
	assert_string_equal(got.name, "Sokol Berisha");
	assert_string_equal(got.language, "sq");
	assert_int_equal(user_get(f->st, u.id, &got, &e), 0);
	assert_string_equal(got.name, "Sokol Berisha");
	assert_string_equal(got.language, "sq");
	expect_err(user_update(f->st, &f->cli, u.id, NULL, "it", &got, &e), &e, ERR_INVALID, "user.language");
	err_clear(&e);
	expect_err(user_update(f->st, &f->cli, 999999, "X", NULL, &got, &e), &e, ERR_NOTFOUND, "user.not_found");
	assert_int_equal(user_get(f->st, u.id, &got, &e), 0);
	assert_string_equal(got.language, "sq");
}

/* ---- workspaces ------------------------------------------------------ */

static void test_workspace_create_and_slugs(void **state)
{
	struct fx *f = *state;
	struct err e;
	struct workspace w, w2, w3, got;
	err_clear(&e);
	struct user owner = make_user(f, "elira@studiodrita.al", "Elira Hoxha", NULL);
	assert_int_equal(
	    workspace_create(f->st, &f->cli, "Furra e Lagjes", "Europe/Tirane", "sq", "ALL", owner.id, &w, &e), 0);
	assert_true(w.id > 0);
	assert_string_equal(w.slug, "furra-e-lagjes");
	assert_string_equal(w.name, "Furra e Lagjes");
	assert_string_equal(w.timezone, "Europe/Tirane");
	assert_string_equal(w.language, "sq");
	assert_string_equal(w.currency, "ALL");
	assert_int_equal(w.role, ROLE_OWNER);
	assert_int_equal(member_role(f->st, w.id, owner.id), ROLE_OWNER);
	/* The same name again gets -2, then -3. */
	assert_int_equal(workspace_create(f->st, &f->cli, "Furra e Lagjes", "UTC", "en", "EUR", 0, &w2, &e), 0);
	assert_string_equal(w2.slug, "furra-e-lagjes-2");
	assert_true(w2.id != w.id);
	assert_int_equal(workspace_create(f->st, &f->cli, "furra  e  lagjes!", "UTC", "en", "EUR", 0, &w3, &e), 0);
	assert_string_equal(w3.slug, "furra-e-lagjes-3");
	/* Albanian letters folded; punctuation and spaces collapse to one dash. */
	static const struct {
		const char *name, *slug;
	} cases[] = {
	    {"Hotel Guri i Kuq", "hotel-guri-i-kuq"},	{"Çajtorja e Ëndrrës", "cajtorja-e-endrres"},
	    {"Pastiçeri Dëshira", "pasticeri-deshira"}, {"  --Zyrë!!  ", "zyre"},
	    {"Studio DRITA 2026", "studio-drita-2026"}, {"!!!", "w"},
	};
	for (size_t i = 0; i < LEN(cases); i++) {
		err_clear(&e);
		if (workspace_create(f->st, &f->cli, cases[i].name, "UTC", "en", "EUR", 0, &got, &e))
			fail_msg("%s: %s", cases[i].name, e.key);
		if (strcmp(got.slug, cases[i].slug) != 0)
			fail_msg("\"%s\" -> \"%s\", want \"%s\"", cases[i].name, got.slug, cases[i].slug);
	}
	/* Found by id and by slug. */
	assert_int_equal(workspace_find(f->st, "furra-e-lagjes-2", &got, &e), 0);
	assert_true(got.id == w2.id);
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)w.id);
	assert_int_equal(workspace_find(f->st, id, &got, &e), 0);
	assert_string_equal(got.slug, "furra-e-lagjes");
	err_clear(&e);
	expect_err(workspace_find(f->st, "no-such-slug", &got, &e), &e, ERR_NOTFOUND, "workspace.not_found");
	err_clear(&e);
	expect_err(workspace_get(f->st, 999999, &got, &e), &e, ERR_NOTFOUND, "workspace.not_found");
	/* Listed for the owner with the role; all of them for user 0. */
	struct workspace *list = NULL;
	size_t n = 0;
	assert_int_equal(workspace_list(f->st, owner.id, &list, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_true(list[0].id == w.id);
	assert_int_equal(list[0].role, ROLE_OWNER);
	free(list);
	assert_int_equal(workspace_list(f->st, 0, &list, &n, &e), 0);
	assert_int_equal(n, 3 + LEN(cases));
	free(list);
	/* workspace_json carries the role only when asked. */
	json_t *j = workspace_json(&w, 1);
	assert_string_equal(json_string_value(json_object_get(j, "role")), "owner");
	assert_string_equal(json_string_value(json_object_get(j, "slug")), "furra-e-lagjes");
	json_decref(j);
	j = workspace_json(&w, 0);
	assert_null(json_object_get(j, "role"));
	json_decref(j);
}

static void test_workspace_refusals(void **state)
{
	struct fx *f = *state;
	struct err e;
	struct workspace w;
	err_clear(&e);
	int rc = workspace_create(f->st, &f->cli, "Hotel", "Mars/Olympus", "en", "EUR", 0, &w, &e);
	expect_err(rc, &e, ERR_INVALID, "workspace.timezone");
	assert_string_equal(e.field, "$.timezone");
	static const char *const bad_currencies[] = {"EURO", "eur", "XYZ", "", "E1R", "US"};
	for (size_t i = 0; i < LEN(bad_currencies); i++) {
		err_clear(&e);
		rc = workspace_create(f->st, &f->cli, "Hotel", "UTC", "en", bad_currencies[i], 0, &w, &e);
		expect_err(rc, &e, ERR_INVALID, "workspace.currency");
		assert_string_equal(e.field, "$.currency");
	}
	assert_true(currency_valid("ALL"));
	assert_true(currency_valid("EUR"));
	assert_true(currency_valid("USD"));
	err_clear(&e);
	expect_err(workspace_create(f->st, &f->cli, "Hotel", "UTC", "de", "EUR", 0, &w, &e), &e, ERR_INVALID,
		   "workspace.language");
	err_clear(&e);
	expect_err(workspace_create(f->st, &f->cli, "", "UTC", "en", "EUR", 0, &w, &e), &e, ERR_INVALID,
		   "workspace.name");
	err_clear(&e);
	expect_err(workspace_create(f->st, &f->cli, "Line\nbreak", "UTC", "en", "EUR", 0, &w, &e), &e, ERR_INVALID,
		   "workspace.name");
	/* An unknown owner: refused, and no workspace is left behind. */
	err_clear(&e);
	expect_err(workspace_create(f->st, &f->cli, "Orphan", "UTC", "en", "EUR", 999999, &w, &e), &e, ERR_NOTFOUND,
		   "user.not_found");
	struct workspace *list = NULL;
	size_t n = 99;
	assert_int_equal(workspace_list(f->st, 0, &list, &n, &e), 0);
	assert_int_equal(n, 0);
	free(list);
	/* Update: a bad zone leaves the workspace as it was. */
	struct workspace ok = make_ws(f, "Hotel Guri i Kuq", 0), got;
	err_clear(&e);
	expect_err(workspace_update(f->st, &f->cli, ok.id, NULL, "Mars/Olympus", NULL, NULL, &got, &e), &e, ERR_INVALID,
		   "workspace.timezone");
	assert_int_equal(workspace_update(f->st, &f->cli, ok.id, NULL, "Europe/Rome", NULL, "EUR", &got, &e), 0);
	assert_string_equal(got.timezone, "Europe/Rome");
	assert_string_equal(got.currency, "EUR");
	assert_string_equal(got.name, "Hotel Guri i Kuq");
	assert_int_equal(workspace_get(f->st, ok.id, &got, &e), 0);
	assert_string_equal(got.timezone, "Europe/Rome");
	assert_string_equal(got.language, "sq");
	assert_string_equal(got.slug, "hotel-guri-i-kuq"); /* the slug stays */
	err_clear(&e);
	expect_err(workspace_update(f->st, &f->cli, 999999, "X", NULL, NULL, NULL, &got, &e), &e, ERR_NOTFOUND,
		   "workspace.not_found");
}

/* ---- members --------------------------------------------------------- */

static void test_members(void **state)
{
	struct fx *f = *state;
	struct err e;
	struct member m;
	err_clear(&e);
	struct user elira = make_user(f, "elira@studiodrita.al", "Elira Hoxha", NULL);
	struct user sokol = make_user(f, "sokol@studiodrita.al", "Sokol Berisha", NULL);
	struct workspace w = make_ws(f, "Furra e Lagjes", elira.id);

	/* an existing user */
	assert_int_equal(member_add(f->st, &f->cli, w.id, "Sokol@StudioDrita.al", NULL, "analyst", NULL, &m, &e), 0);
	assert_true(m.user_id == sokol.id);
	assert_int_equal(m.role, ROLE_ANALYST);
	assert_string_equal(m.email, "sokol@studiodrita.al");
	assert_true(m.created_at > 0);
	/* an unknown email creates the user (no password: cannot sign in yet) */
	assert_int_equal(
	    member_add(f->st, &f->cli, w.id, "ana@gurikuq.al", "Ana Marku", "client_approver", NULL, &m, &e), 0);
	struct user ana;
	assert_int_equal(user_by_email(f->st, "ana@gurikuq.al", &ana, &e), 0);
	assert_true(m.user_id == ana.id);
	assert_int_equal(ana.has_password, 0);
	assert_string_equal(ana.name, "Ana Marku");
	/* refusals */
	err_clear(&e);
	expect_err(member_add(f->st, &f->cli, w.id, "new@gurikuq.al", NULL, "creative", NULL, &m, &e), &e, ERR_INVALID,
		   "field.required");
	assert_string_equal(e.field, "$.name");
	err_clear(&e);
	expect_err(member_add(f->st, &f->cli, w.id, "sokol@studiodrita.al", NULL, "creative", NULL, &m, &e), &e,
		   ERR_CONFLICT, "member.exists");
	err_clear(&e);
	expect_err(member_add(f->st, &f->cli, w.id, "sokol@studiodrita.al", NULL, "admin", NULL, &m, &e), &e,
		   ERR_INVALID, "member.role");
	err_clear(&e);
	expect_err(member_add(f->st, &f->cli, w.id, "not-an-email", NULL, "analyst", NULL, &m, &e), &e, ERR_INVALID,
		   "user.email");
	assert_int_equal(member_role(f->st, w.id, sokol.id), ROLE_ANALYST);

	struct member *list = NULL;
	size_t n = 0;
	assert_int_equal(member_list(f->st, w.id, &list, &n, &e), 0);
	assert_int_equal(n, 3);
	/* by name: Ana, Elira, Sokol */
	assert_true(list[0].user_id == ana.id);
	assert_int_equal(list[0].role, ROLE_CLIENT);
	assert_true(list[1].user_id == elira.id);
	assert_int_equal(list[1].role, ROLE_OWNER);
	assert_true(list[2].user_id == sokol.id);
	assert_int_equal(list[2].role, ROLE_ANALYST);
	json_t *j = member_json(&list[2]);
	assert_int_equal(json_integer_value(json_object_get(j, "user_id")), sokol.id);
	assert_string_equal(json_string_value(json_object_get(j, "role")), "analyst");
	assert_string_equal(json_string_value(json_object_get(j, "email")), "sokol@studiodrita.al");
	json_decref(j);
	free(list);

	/* role changes */
	err_clear(&e);
	assert_int_equal(member_set_role(f->st, &f->cli, w.id, sokol.id, "strategist", &m, &e), 0);
	assert_int_equal(m.role, ROLE_STRATEGIST);
	assert_true(m.user_id == sokol.id);
	assert_int_equal(member_role(f->st, w.id, sokol.id), ROLE_STRATEGIST);
	expect_err(member_set_role(f->st, &f->cli, w.id, sokol.id, "boss", &m, &e), &e, ERR_INVALID, "member.role");
	err_clear(&e);
	expect_err(member_set_role(f->st, &f->cli, w.id, 999999, "analyst", &m, &e), &e, ERR_NOTFOUND,
		   "member.not_found");
	/* the last owner can be neither demoted nor removed */
	err_clear(&e);
	expect_err(member_set_role(f->st, &f->cli, w.id, elira.id, "analyst", &m, &e), &e, ERR_CONFLICT,
		   "member.last_owner");
	assert_int_equal(member_role(f->st, w.id, elira.id), ROLE_OWNER);
	err_clear(&e);
	expect_err(member_remove(f->st, &f->cli, w.id, elira.id, &e), &e, ERR_CONFLICT, "member.last_owner");
	assert_int_equal(member_role(f->st, w.id, elira.id), ROLE_OWNER);
	/* owner -> owner is no change and allowed */
	err_clear(&e);
	assert_int_equal(member_set_role(f->st, &f->cli, w.id, elira.id, "owner", &m, &e), 0);
	/* with a second owner, the first may step down, then leave */
	assert_int_equal(member_set_role(f->st, &f->cli, w.id, sokol.id, "owner", &m, &e), 0);
	assert_int_equal(member_set_role(f->st, &f->cli, w.id, elira.id, "creative", &m, &e), 0);
	assert_int_equal(member_role(f->st, w.id, elira.id), ROLE_CREATIVE);
	assert_int_equal(member_remove(f->st, &f->cli, w.id, elira.id, &e), 0);
	assert_int_equal(member_role(f->st, w.id, elira.id), ROLE_NONE);
	err_clear(&e);
	expect_err(member_remove(f->st, &f->cli, w.id, elira.id, &e), &e, ERR_NOTFOUND, "member.not_found");
	err_clear(&e);
	expect_err(member_remove(f->st, &f->cli, w.id, sokol.id, &e), &e, ERR_CONFLICT, "member.last_owner");
	/* the user stays; only the membership went */
	struct user got;
	assert_int_equal(user_get(f->st, elira.id, &got, &e), 0);
	assert_int_equal(member_list(f->st, w.id, &list, &n, &e), 0);
	assert_int_equal(n, 2);
	free(list);
}

static void test_role_change_revokes_sessions_and_tokens(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	assert_int_equal(crypto_init(), 0);
	struct user elira = make_user(f, "elira@studiodrita.al", "Elira Hoxha", NULL);
	struct user besa = make_user(f, "besa@studiodrita.al", "Besa Gashi", NULL);
	struct workspace w = make_ws(f, "Hotel Guri i Kuq", elira.id);
	add_member(f, w.id, "besa@studiodrita.al", "owner");
	struct actor as_besa = {.user_id = besa.id, .token_role = ROLE_NONE};
	str_copy(as_besa.label, "Besa Gashi", sizeof as_besa.label);
	char secret[64], csrf[64], tsecret[64];
	struct token_info t;
	assert_int_equal(session_create(f->st, besa.id, secret, csrf, &e), 0);
	assert_int_equal(token_create(f->st, &as_besa, w.id, "besa-script", "owner", 0, &t, tsecret, &e), 0);
	struct session s;
	struct actor ta;
	assert_int_equal(session_lookup(f->st, secret, &s, &e), 0);
	assert_int_equal(token_authenticate(f->st, tsecret, &ta, &e), 0);
	/* Elira's own session survives Besa's change. */
	char esecret[64], ecsrf[64];
	assert_int_equal(session_create(f->st, elira.id, esecret, ecsrf, &e), 0);
	struct member m;
	assert_int_equal(member_set_role(f->st, &f->cli, w.id, besa.id, "campaign_manager", &m, &e), 0);
	err_clear(&e);
	expect_err(session_lookup(f->st, secret, &s, &e), &e, ERR_UNAUTH, "auth.invalid");
	err_clear(&e);
	expect_err(token_authenticate(f->st, tsecret, &ta, &e), &e, ERR_UNAUTH, "auth.invalid");
	err_clear(&e);
	assert_int_equal(session_lookup(f->st, esecret, &s, &e), 0);
	assert_true(s.user_id == elira.id);
	/* Removal revokes too. */
	assert_int_equal(session_create(f->st, besa.id, secret, csrf, &e), 0);
	assert_int_equal(member_remove(f->st, &f->cli, w.id, besa.id, &e), 0);
	err_clear(&e);
	expect_err(session_lookup(f->st, secret, &s, &e), &e, ERR_UNAUTH, "auth.invalid");
}

/* ---- authorisation --------------------------------------------------- */

static void test_authz_check(void **state)
{
	struct fx *f = *state;
	struct err e;
	enum role r;
	err_clear(&e);
	struct user elira = make_user(f, "elira@studiodrita.al", "Elira Hoxha", NULL);
	struct user mira = make_user(f, "mira@studiodrita.al", "Mira Leka", NULL);
	struct workspace hotel = make_ws(f, "Hotel Guri i Kuq", elira.id);
	struct workspace bakery = make_ws(f, "Furra e Lagjes", elira.id);
	add_member(f, hotel.id, "mira@studiodrita.al", "content_manager");

	/* the command line may do anything anywhere that exists */
	r = ROLE_NONE;
	assert_int_equal(authz_check(f->st, &f->cli, bakery.id, PERM_AUDIT_READ, &r, &e), 0);
	assert_int_equal(r, ROLE_OWNER);

	/* a member: by the matrix */
	struct actor as_mira = {.user_id = mira.id, .token_role = ROLE_NONE};
	r = ROLE_NONE;
	assert_int_equal(authz_check(f->st, &as_mira, hotel.id, PERM_POSTS_DRAFT, &r, &e), 0);
	assert_int_equal(r, ROLE_CONTENT);
	assert_int_equal(authz_check(f->st, &as_mira, hotel.id, PERM_WS_READ, NULL, &e), 0);
	expect_err(authz_check(f->st, &as_mira, hotel.id, PERM_AUDIT_READ, &r, &e), &e, ERR_FORBIDDEN,
		   "auth.forbidden");
	err_clear(&e);
	expect_err(authz_check(f->st, &as_mira, hotel.id, PERM_WS_ADMIN, &r, &e), &e, ERR_FORBIDDEN, "auth.forbidden");
	/* not a member, or no such workspace: 404, never 403 */
	err_clear(&e);
	expect_err(authz_check(f->st, &as_mira, bakery.id, PERM_WS_READ, &r, &e), &e, ERR_NOTFOUND,
		   "workspace.not_found");
	err_clear(&e);
	expect_err(authz_check(f->st, &as_mira, 999999, PERM_WS_READ, &r, &e), &e, ERR_NOTFOUND, "workspace.not_found");

	/* a token: its own workspace and role only, whatever its creator may do */
	struct actor tok = {.user_id = elira.id, .token_id = 7, .token_ws = hotel.id, .token_role = ROLE_ANALYST};
	r = ROLE_NONE;
	err_clear(&e);
	assert_int_equal(authz_check(f->st, &tok, hotel.id, PERM_ANALYTICS_READ, &r, &e), 0);
	assert_int_equal(r, ROLE_ANALYST);
	expect_err(authz_check(f->st, &tok, hotel.id, PERM_WS_ADMIN, &r, &e), &e, ERR_FORBIDDEN, "auth.forbidden");
	err_clear(&e);
	expect_err(authz_check(f->st, &tok, bakery.id, PERM_WS_READ, &r, &e), &e, ERR_NOTFOUND, "workspace.not_found");
	err_clear(&e);
	expect_err(authz_check(f->st, &tok, 999999, PERM_WS_READ, &r, &e), &e, ERR_NOTFOUND, "workspace.not_found");

	/* nobody */
	struct actor anon = {.token_role = ROLE_NONE};
	err_clear(&e);
	expect_err(authz_check(f->st, &anon, hotel.id, PERM_WS_READ, &r, &e), &e, ERR_UNAUTH, "auth.required");

	/* every role against every workspace permission, through real members */
	static const char *const emails[ROLE__COUNT] = {"r0@x.al", "r1@x.al", "r2@x.al", "r3@x.al",
							"r4@x.al", "r5@x.al", "r6@x.al", "r7@x.al"};
	for (int role = 0; role < ROLE__COUNT; role++) {
		struct member m;
		assert_int_equal(
		    member_add(f->st, &f->cli, bakery.id, emails[role], "R", role_name((enum role)role), NULL, &m, &e),
		    0);
		struct actor a = {.user_id = m.user_id, .token_role = ROLE_NONE};
		for (int p = PERM_FIRST_WS; p < PERM__COUNT; p++) {
			err_clear(&e);
			int rc = authz_check(f->st, &a, bakery.id, (enum perm)p, NULL, &e);
			assert_int_equal(rc, perm_allows((enum role)role, (enum perm)p) ? 0 : ERR_FORBIDDEN);
		}
	}
}

/* ---- API tokens ------------------------------------------------------ */

static void test_tokens(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	assert_int_equal(crypto_init(), 0);
	struct user elira = make_user(f, "elira@studiodrita.al", "Elira Hoxha", NULL);
	struct workspace w = make_ws(f, "Hotel Guri i Kuq", elira.id);
	struct workspace other = make_ws(f, "Furra e Lagjes", elira.id);
	struct actor as_elira = {.user_id = elira.id, .token_role = ROLE_NONE};
	str_copy(as_elira.label, "Elira Hoxha", sizeof as_elira.label);

	struct token_info t;
	char secret[64];
	int64_t t0 = time_now_ms();
	assert_int_equal(token_create(f->st, &as_elira, w.id, "ci", "analyst", 30, &t, secret, &e), 0);
	assert_true(t.id > 0);
	assert_int_equal(strncmp(secret, "kanal_", 6), 0);
	assert_int_equal(strlen(secret), 6 + 43);
	assert_int_equal(strncmp(t.prefix, secret, 10), 0);
	assert_int_equal(strlen(t.prefix), 10);
	assert_string_equal(t.name, "ci");
	assert_int_equal(t.role, ROLE_ANALYST);
	assert_true(t.workspace_id == w.id);
	assert_true(t.user_id == elira.id);
	assert_true(t.created_at >= t0);
	assert_true(t.expires_at == t.created_at + 30 * 86400000LL);
	assert_true(t.revoked_at == 0);

	struct actor a;
	assert_int_equal(token_authenticate(f->st, secret, &a, &e), 0);
	assert_true(a.token_id == t.id);
	assert_true(a.token_ws == w.id);
	assert_int_equal(a.token_role, ROLE_ANALYST);
	assert_true(a.user_id == elira.id);
	assert_int_equal(a.cli, 0);
	assert_string_equal(a.label, "token:ci");

	/* wrong secrets */
	char wrong[64];
	str_copy(wrong, secret, sizeof wrong);
	wrong[20] = wrong[20] == 'A' ? 'B' : 'A';
	err_clear(&e);
	expect_err(token_authenticate(f->st, wrong, &a, &e), &e, ERR_UNAUTH, "auth.invalid");
	assert_true(a.token_id == 0);
	err_clear(&e);
	expect_err(token_authenticate(f->st, secret + 6, &a, &e), &e, ERR_UNAUTH, "auth.invalid");
	err_clear(&e);
	expect_err(token_authenticate(f->st, "kanal_", &a, &e), &e, ERR_UNAUTH, "auth.invalid");
	err_clear(&e);
	expect_err(token_authenticate(f->st, "", &a, &e), &e, ERR_UNAUTH, "auth.invalid");

	/* a token that never expires, and one from the command line */
	struct token_info forever, clitok;
	char s2[64], s3[64];
	assert_int_equal(token_create(f->st, &as_elira, w.id, "forever", "owner", 0, &forever, s2, &e), 0);
	assert_true(forever.expires_at == 0);
	assert_int_equal(token_create(f->st, &f->cli, w.id, "cli-made", "creative", 1, &clitok, s3, &e), 0);
	assert_true(clitok.user_id == 0);
	assert_string_not_equal(s2, s3);

	/* refusals */
	err_clear(&e);
	expect_err(token_create(f->st, &as_elira, w.id, "x", "root", 0, &t, secret, &e), &e, ERR_INVALID, "token.role");
	err_clear(&e);
	expect_err(token_create(f->st, &as_elira, w.id, "", "owner", 0, &t, secret, &e), &e, ERR_INVALID, "token.name");
	err_clear(&e);
	expect_err(token_create(f->st, &as_elira, w.id, "x", "owner", 3651, &t, secret, &e), &e, ERR_INVALID,
		   "token.expires");
	err_clear(&e);
	expect_err(token_create(f->st, &as_elira, w.id, "x", "owner", -1, &t, secret, &e), &e, ERR_INVALID,
		   "token.expires");

	/* listing */
	struct token_info *list = NULL;
	size_t n = 0;
	assert_int_equal(token_list(f->st, w.id, &list, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "ci");
	assert_int_equal(list[0].role, ROLE_ANALYST);
	assert_true(list[0].workspace_id == w.id);
	assert_true(list[0].revoked_at == 0);
	assert_true(list[0].last_used_at > 0); /* the authentication above */
	assert_true(list[1].last_used_at == 0);
	assert_true(list[1].expires_at == 0);
	json_t *j = token_json(&list[0]);
	assert_string_equal(json_string_value(json_object_get(j, "prefix")), list[0].prefix);
	assert_true(json_is_null(json_object_get(j, "revoked_at")));
	assert_int_equal(json_integer_value(json_object_get(j, "created_by")), elira.id);
	assert_null(json_object_get(j, "token_hash"));
	json_decref(j);
	j = token_json(&list[2]);
	assert_true(json_is_null(json_object_get(j, "created_by")));
	json_decref(j);
	free(list);
	assert_int_equal(token_list(f->st, other.id, &list, &n, &e), 0);
	assert_int_equal(n, 0);
	free(list);

	/* revocation: only in its own workspace, only once */
	err_clear(&e);
	expect_err(token_revoke(f->st, &as_elira, other.id, forever.id, &e), &e, ERR_NOTFOUND, "token.not_found");
	err_clear(&e);
	assert_int_equal(token_authenticate(f->st, s2, &a, &e), 0);
	assert_int_equal(token_revoke(f->st, &as_elira, w.id, forever.id, &e), 0);
	expect_err(token_authenticate(f->st, s2, &a, &e), &e, ERR_UNAUTH, "auth.invalid");
	err_clear(&e);
	expect_err(token_revoke(f->st, &as_elira, w.id, forever.id, &e), &e, ERR_NOTFOUND, "token.not_found");
	err_clear(&e);
	assert_int_equal(token_list(f->st, w.id, &list, &n, &e), 0);
	assert_true(list[1].id == forever.id);
	assert_true(list[1].revoked_at > 0);
	free(list);
	/* the others still work */
	assert_int_equal(token_authenticate(f->st, s3, &a, &e), 0);
	assert_int_equal(a.token_role, ROLE_CREATIVE);

	/* an expired token is refused (changed behind the server's back, as by
	 * another process: it takes effect once the one-second cache lapses) */
	sql(f, "UPDATE api_tokens SET expires_at = 1 WHERE name = 'cli-made'");
	usleep(1100 * 1000);
	err_clear(&e);
	expect_err(token_authenticate(f->st, s3, &a, &e), &e, ERR_UNAUTH, "auth.invalid");
}

/* ---- sessions -------------------------------------------------------- */

static void test_sessions(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	assert_int_equal(crypto_init(), 0);
	struct user mira = make_user(f, "mira@studiodrita.al", "Mira Leka", PASSWORD);
	struct user luan = make_user(f, "luan@studiodrita.al", "Luan Dervishi", NULL);
	char s1[64], c1[64], s2[64], c2[64], s3[64], c3[64];
	assert_int_equal(session_create(f->st, mira.id, s1, c1, &e), 0);
	assert_int_equal(strlen(s1), 43);
	assert_int_equal(strlen(c1), 32);
	assert_int_equal(session_create(f->st, mira.id, s2, c2, &e), 0);
	assert_string_not_equal(s1, s2);
	assert_string_not_equal(c1, c2);
	assert_int_equal(session_create(f->st, luan.id, s3, c3, &e), 0);

	struct session s;
	assert_int_equal(session_lookup(f->st, s1, &s, &e), 0);
	assert_true(s.user_id == mira.id);
	assert_string_equal(s.csrf, c1);
	int64_t id1 = s.id;
	assert_int_equal(session_lookup(f->st, s2, &s, &e), 0);
	assert_true(s.id != id1);
	assert_string_equal(s.csrf, c2);

	/* unknown, malformed, the CSRF token in place of the secret */
	err_clear(&e);
	expect_err(session_lookup(f->st, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &s, &e), &e, ERR_UNAUTH,
		   "auth.invalid");
	err_clear(&e);
	expect_err(session_lookup(f->st, "short", &s, &e), &e, ERR_UNAUTH, "auth.invalid");
	err_clear(&e);
	expect_err(session_lookup(f->st, c1, &s, &e), &e, ERR_UNAUTH, "auth.invalid");

	/* deletion ends one session */
	err_clear(&e);
	assert_int_equal(session_delete(f->st, id1, &e), 0);
	expect_err(session_lookup(f->st, s1, &s, &e), &e, ERR_UNAUTH, "auth.invalid");
	err_clear(&e);
	assert_int_equal(session_lookup(f->st, s2, &s, &e), 0);

	/* a new password ends every session of that user, and only theirs */
	assert_int_equal(user_set_password(f->st, &f->cli, mira.id, "kafe-me-qumesht-9", &e), 0);
	expect_err(session_lookup(f->st, s2, &s, &e), &e, ERR_UNAUTH, "auth.invalid");
	err_clear(&e);
	assert_int_equal(session_lookup(f->st, s3, &s, &e), 0);
	assert_true(s.user_id == luan.id);
	struct user got;
	assert_int_equal(user_authenticate(f->st, "mira@studiodrita.al", "kafe-me-qumesht-9", &got, &e), 0);
	expect_err(user_authenticate(f->st, "mira@studiodrita.al", PASSWORD, &got, &e), &e, ERR_UNAUTH,
		   "auth.invalid_credentials");
	/* a weak password is refused and changes nothing */
	err_clear(&e);
	expect_err(user_set_password(f->st, &f->cli, mira.id, "12345678", &e), &e, ERR_INVALID, "password.common");
	err_clear(&e);
	expect_err(user_set_password(f->st, &f->cli, 999999, "kafe-me-qumesht-9", &e), &e, ERR_NOTFOUND,
		   "user.not_found");
	err_clear(&e);
	assert_int_equal(session_lookup(f->st, s3, &s, &e), 0);

	/* an expired session is refused */
	sql(f, "UPDATE sessions SET expires_at = 1");
	err_clear(&e);
	expect_err(session_lookup(f->st, s3, &s, &e), &e, ERR_UNAUTH, "auth.invalid");
}

/* ---- audit ----------------------------------------------------------- */

static const char *action_at(json_t *entries, size_t i)
{
	return json_string_value(json_object_get(json_array_get(entries, i), "action"));
}

static void test_audit_log(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	assert_int_equal(crypto_init(), 0);
	struct user elira = make_user(f, "elira@studiodrita.al", "Elira Hoxha", NULL);
	struct workspace w = make_ws(f, "Furra e Lagjes", elira.id);
	struct workspace other = make_ws(f, "Hotel Guri i Kuq", elira.id);
	struct actor as_elira = {.user_id = elira.id, .token_role = ROLE_NONE, .request_id = "r-test-0001"};
	str_copy(as_elira.label, "Elira Hoxha", sizeof as_elira.label);
	struct member m;
	struct workspace got;
	struct token_info t;
	char secret[64];
	assert_int_equal(member_add(f->st, &as_elira, w.id, "dritan@studiodrita.al", "Dritan Shehu",
				    "community_manager", NULL, &m, &e),
			 0);
	int64_t dritan = m.user_id;
	assert_int_equal(member_set_role(f->st, &as_elira, w.id, dritan, "analyst", &m, &e), 0);
	assert_int_equal(workspace_update(f->st, &as_elira, w.id, "Furra e Lagjes Tirana", NULL, NULL, "EUR", &got, &e),
			 0);
	assert_int_equal(token_create(f->st, &as_elira, w.id, "ci", "analyst", 0, &t, secret, &e), 0);
	assert_int_equal(token_revoke(f->st, &as_elira, w.id, t.id, &e), 0);
	assert_int_equal(member_remove(f->st, &as_elira, w.id, dritan, &e), 0);
	/* a failed change leaves no entry */
	err_clear(&e);
	assert_int_equal(member_remove(f->st, &as_elira, w.id, elira.id, &e), ERR_CONFLICT);
	/* and a change elsewhere is not listed here */
	assert_int_equal(workspace_update(f->st, &as_elira, other.id, NULL, "Europe/Rome", NULL, NULL, &got, &e), 0);

	json_t *entries = NULL;
	assert_int_equal(audit_list(f->st, w.id, 0, 50, &entries, &e), 0);
	static const char *const want[] = {"member.remove", "token.revoke", "token.create",    "workspace.update",
					   "member.role",   "member.add",   "workspace.create"};
	assert_int_equal(json_array_size(entries), LEN(want));
	for (size_t i = 0; i < LEN(want); i++)
		assert_string_equal(action_at(entries, i), want[i]);
	/* newest first, ids falling */
	for (size_t i = 1; i < LEN(want); i++)
		assert_true(json_integer_value(json_object_get(json_array_get(entries, i - 1), "id")) >
			    json_integer_value(json_object_get(json_array_get(entries, i), "id")));

	char target[32];
	snprintf(target, sizeof target, "user:%lld", (long long)dritan);
	json_t *rm = json_array_get(entries, 0);
	assert_string_equal(json_string_value(json_object_get(rm, "target")), target);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rm, "before"), "role")), "analyst");
	assert_string_equal(json_string_value(json_object_get(json_object_get(rm, "before"), "email")),
			    "dritan@studiodrita.al");
	assert_true(json_is_null(json_object_get(rm, "after")));
	json_t *actor = json_object_get(rm, "actor");
	assert_string_equal(json_string_value(json_object_get(actor, "label")), "Elira Hoxha");
	assert_int_equal(json_integer_value(json_object_get(actor, "user_id")), elira.id);
	assert_true(json_is_null(json_object_get(actor, "token_id")));
	assert_string_equal(json_string_value(json_object_get(rm, "request_id")), "r-test-0001");
	assert_int_equal(json_string_length(json_object_get(rm, "created_at")), 24);

	json_t *role = json_array_get(entries, 4);
	assert_string_equal(json_string_value(json_object_get(role, "target")), target);
	assert_string_equal(json_string_value(json_object_get(json_object_get(role, "before"), "role")),
			    "community_manager");
	assert_string_equal(json_string_value(json_object_get(json_object_get(role, "after"), "role")), "analyst");

	json_t *upd = json_array_get(entries, 3);
	json_t *before = json_object_get(upd, "before"), *after = json_object_get(upd, "after");
	assert_string_equal(json_string_value(json_object_get(before, "name")), "Furra e Lagjes");
	assert_string_equal(json_string_value(json_object_get(after, "name")), "Furra e Lagjes Tirana");
	assert_string_equal(json_string_value(json_object_get(before, "currency")), "ALL");
	assert_string_equal(json_string_value(json_object_get(after, "currency")), "EUR");
	assert_string_equal(json_string_value(json_object_get(after, "timezone")), "Europe/Tirane");

	json_t *tc = json_array_get(entries, 2);
	snprintf(target, sizeof target, "token:%lld", (long long)t.id);
	assert_string_equal(json_string_value(json_object_get(tc, "target")), target);
	assert_string_equal(json_string_value(json_object_get(json_object_get(tc, "after"), "name")), "ci");
	assert_null(json_object_get(json_object_get(tc, "after"), "secret"));

	/* the first entry came from the command line, without a request id */
	json_t *create = json_array_get(entries, 6);
	assert_string_equal(json_string_value(json_object_get(json_object_get(create, "actor"), "label")), "cli");
	assert_true(json_is_null(json_object_get(json_object_get(create, "actor"), "user_id")));
	assert_true(json_is_null(json_object_get(create, "request_id")));
	assert_true(json_is_null(json_object_get(create, "before")));

	/* paging: before an id, and a limit */
	json_int_t third = json_integer_value(json_object_get(json_array_get(entries, 2), "id"));
	json_t *page = NULL;
	assert_int_equal(audit_list(f->st, w.id, third, 2, &page, &e), 0);
	assert_int_equal(json_array_size(page), 2);
	assert_string_equal(action_at(page, 0), "workspace.update");
	assert_string_equal(action_at(page, 1), "member.role");
	json_decref(page);
	assert_int_equal(audit_list(f->st, w.id, 0, 1, &page, &e), 0);
	assert_int_equal(json_array_size(page), 1);
	assert_string_equal(action_at(page, 0), "member.remove");
	json_decref(page);
	json_decref(entries);

	assert_int_equal(audit_list(f->st, other.id, 0, 50, &entries, &e), 0);
	assert_int_equal(json_array_size(entries), 2);
	assert_string_equal(action_at(entries, 0), "workspace.update");
	assert_string_equal(action_at(entries, 1), "workspace.create");
	json_decref(entries);
	assert_int_equal(audit_list(f->st, 999999, 0, 50, &entries, &e), 0);
	assert_int_equal(json_array_size(entries), 0);
	json_decref(entries);
}

/* ---- backup ---------------------------------------------------------- */

static void test_backup(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	struct user elira = make_user(f, "elira@studiodrita.al", "Elira Hoxha", NULL);
	make_user(f, "arben@studiodrita.al", "Arben Kola", NULL);
	make_user(f, "ana@gurikuq.al", "Ana Marku", NULL);
	struct workspace w = make_ws(f, "Furra e Lagjes", elira.id);
	assert_int_equal(f->st->ops->backup(f->st, f->copy, &e), 0);

	struct store *copy = NULL;
	assert_int_equal(store_open(f->copy, &copy, &e), 0);
	struct user *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	assert_int_equal(user_list(f->st, &a, &na, &e), 0);
	assert_int_equal(user_list(copy, &b, &nb, &e), 0);
	assert_int_equal(na, 3);
	assert_int_equal(nb, na);
	for (size_t i = 0; i < na; i++) {
		assert_true(a[i].id == b[i].id);
		assert_string_equal(a[i].email, b[i].email);
	}
	free(a);
	free(b);
	struct workspace got;
	assert_int_equal(workspace_get(copy, w.id, &got, &e), 0);
	assert_string_equal(got.slug, "furra-e-lagjes");
	assert_int_equal(member_role(copy, w.id, elira.id), ROLE_OWNER);
	/* the copy is migrated already */
	int applied = -1;
	assert_int_equal(copy->ops->migrate(copy, &applied, &e), 0);
	assert_int_equal(applied, 0);
	store_close(copy);
	/* a backup to an impossible path fails cleanly */
	err_clear(&e);
	assert_int_equal(f->st->ops->backup(f->st, "/nonexistent-kanal-dir/x/backup.db", &e), ERR_IO);
	assert_int_equal(e.code, ERR_IO);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	log_set_level(LOG_WARN);
	const struct CMUnitTest tests[] = {
	    T(test_store_open_and_migrate_once),
	    cmocka_unit_test(test_store_open_errors),
	    T(test_user_create_and_authenticate),
	    T(test_user_create_refusals),
	    T(test_user_update),
	    T(test_workspace_create_and_slugs),
	    T(test_workspace_refusals),
	    T(test_members),
	    T(test_role_change_revokes_sessions_and_tokens),
	    T(test_authz_check),
	    T(test_tokens),
	    T(test_sessions),
	    T(test_audit_log),
	    T(test_backup),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
