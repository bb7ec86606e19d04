/* test_post_io: nested transactions in the store (what lets a CSV import
 * run post_create for every row inside one transaction) and the import at
 * the core level — all rows or none, a dry run leaves no trace, the audit
 * log matches what was kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "core/content.h"

struct fx {
	char dir[64];
	char db[96];
	struct store *st;
	struct actor cli;
	int64_t ws;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	str_copy(f->dir, "/tmp/kanal-postio-XXXXXX", sizeof f->dir);
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof f->db, "%s/kanal.db", f->dir);
	struct err e;
	err_clear(&e);
	int applied;
	struct workspace w;
	if (crypto_init() || store_open(f->db, &f->st, &e) || f->st->ops->migrate(f->st, &applied, &e))
		return -1;
	actor_cli(&f->cli);
	if (workspace_create(f->st, &f->cli, "Furra e Lagjes", "Europe/Tirane", "sq", "ALL", 0, &w, &e))
		return -1;
	f->ws = w.id;
	json_t *c = json_pack("{ss ss}", "network", "instagram", "name", "Furra"), *out = NULL;
	if (channel_create(f->st, &f->cli, f->ws, c, &out, &e))
		return -1;
	json_decref(c);
	json_decref(out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	const char *files[] = {"kanal.db", "kanal.db-wal", "kanal.db-shm"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static size_t count_posts(struct fx *f)
{
	json_t *list = NULL;
	assert_int_equal(post_list(f->st, f->ws, NULL, 0, 0, 0, 200, &list, NULL), 0);
	size_t n = json_array_size(list);
	json_decref(list);
	return n;
}

static size_t count_audit(struct fx *f, const char *action)
{
	json_t *list = NULL;
	assert_int_equal(audit_list(f->st, f->ws, 0, 200, &list, NULL), 0);
	size_t n = 0, i;
	json_t *a;
	json_array_foreach(list, i, a) if (strcmp(json_string_value(json_object_get(a, "action")), action) == 0) n++;
	json_decref(list);
	return n;
}

static int64_t draft(struct fx *f, const char *text)
{
	json_t *fields = json_pack("{ss}", "master_text", text), *p = NULL;
	struct err e;
	err_clear(&e);
	if (post_create(f->st, &f->cli, f->ws, fields, &p, &e))
		fail_msg("post_create: %s", e.msg);
	json_decref(fields);
	int64_t id = json_integer_value(json_object_get(p, "id"));
	json_decref(p);
	return id;
}

static void test_nested_transactions_keep_or_drop_as_the_outer_one_decides(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	/* inner commits, outer rolls back: nothing stays */
	assert_int_equal(store_begin(f->st, &e), 0);
	draft(f, "one");
	draft(f, "two");
	assert_int_equal(count_posts(f), 2);
	store_rollback(f->st);
	assert_int_equal(count_posts(f), 0);
	assert_int_equal(count_audit(f, "post.create"), 0);
	/* an inner failure undoes only itself */
	assert_int_equal(store_begin(f->st, &e), 0);
	draft(f, "kept");
	json_t *bad = json_pack("{ss s[i]}", "master_text", "bad", "channel_ids", 999999), *p = NULL;
	assert_int_equal(post_create(f->st, &f->cli, f->ws, bad, &p, &e), ERR_INVALID);
	assert_string_equal(e.key, "post.channel");
	json_decref(bad);
	draft(f, "also kept");
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(count_posts(f), 2);
	assert_int_equal(count_audit(f, "post.create"), 2);
	/* and the store is back at depth 0: a plain service call commits alone */
	draft(f, "alone");
	assert_int_equal(count_posts(f), 3);
}

static void test_import_keeps_all_rows_or_none(void **state)
{
	struct fx *f = *state;
	static const char good[] = "text,channels\nBukë e ngrohtë,instagram\n\"Byrek, me spinaq\",\n";
	static const char bad[] = "text,channels\nBukë e ngrohtë,instagram\n\"Byrek, me spinaq\",myspace\n";
	json_t *rep = NULL;
	struct err e;
	err_clear(&e);
	assert_int_equal(post_import_csv(f->st, &f->cli, ROLE_OWNER, f->ws, bad, strlen(bad), 0, &rep, &e), 0);
	assert_false(json_is_true(json_object_get(rep, "valid")));
	assert_int_equal(json_integer_value(json_object_get(rep, "errors_total")), 1);
	json_t *err0 = json_array_get(json_object_get(rep, "errors"), 0);
	assert_int_equal(json_integer_value(json_object_get(err0, "row")), 3);
	assert_string_equal(json_string_value(json_object_get(err0, "column")), "channels");
	assert_string_equal(json_string_value(json_object_get(err0, "code")), "csv.channel");
	json_decref(rep);
	assert_int_equal(count_posts(f), 0);
	assert_int_equal(count_audit(f, "post.create"), 0);
	/* dry run of the good file: valid, and still nothing */
	assert_int_equal(post_import_csv(f->st, &f->cli, ROLE_OWNER, f->ws, good, strlen(good), 1, &rep, &e), 0);
	assert_true(json_is_true(json_object_get(rep, "valid")));
	assert_int_equal(json_array_size(json_object_get(rep, "posts")), 2);
	assert_null(json_object_get(json_array_get(json_object_get(rep, "posts"), 0), "id"));
	json_decref(rep);
	assert_int_equal(count_posts(f), 0);
	/* for real */
	assert_int_equal(post_import_csv(f->st, &f->cli, ROLE_OWNER, f->ws, good, strlen(good), 0, &rep, &e), 0);
	assert_true(json_is_true(json_object_get(rep, "valid")));
	int64_t id = json_integer_value(json_object_get(json_array_get(json_object_get(rep, "posts"), 1), "id"));
	json_decref(rep);
	assert_int_equal(count_posts(f), 2);
	assert_int_equal(count_audit(f, "post.create"), 2);
	assert_int_equal(count_audit(f, "post.import"), 1);
	json_t *p = NULL;
	assert_int_equal(post_get(f->st, f->ws, id, &p, &e), 0);
	assert_string_equal(json_string_value(json_object_get(p, "master_text")), "Byrek, me spinaq");
	json_decref(p);
}

static void test_channels_resolve_by_network_or_id(void **state)
{
	struct fx *f = *state;
	json_t *ids = NULL, *chans = NULL;
	struct err e;
	err_clear(&e);
	assert_int_equal(channel_list(f->st, f->ws, &chans, &e), 0);
	int64_t ig = json_integer_value(json_object_get(json_array_get(chans, 0), "id"));
	json_decref(chans);
	char spec[64];
	snprintf(spec, sizeof spec, " Instagram | %lld |", (long long)ig);
	assert_int_equal(post_channels_resolve(f->st, f->ws, spec, &ids, &e), 0);
	assert_int_equal(json_array_size(ids), 1); /* the same channel twice is once */
	assert_true(json_integer_value(json_array_get(ids, 0)) == ig);
	json_decref(ids);
	assert_int_equal(post_channels_resolve(f->st, f->ws, "x", &ids, &e), ERR_INVALID);
	assert_string_equal(e.msg, "no x channel in this workspace");
	assert_int_equal(post_channels_resolve(f->st, f->ws, "99999", &ids, &e), ERR_INVALID);
	assert_string_equal(e.key, "post.channel");
	assert_int_equal(post_channels_resolve(f->st, f->ws, "", &ids, &e), 0);
	assert_int_equal(json_array_size(ids), 0);
	json_decref(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_nested_transactions_keep_or_drop_as_the_outer_one_decides, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_import_keeps_all_rows_or_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_channels_resolve_by_network_or_id, setup, teardown),
	};
	return cmocka_run_group_tests_name("post_io", tests, NULL, NULL);
}
