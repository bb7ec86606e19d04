/* post: one idea (master text, link, media, tags, notes) declined into a
 * variant per channel, moved through draft -> in_review -> approved ->
 * scheduled by the roles allowed to, every step in the audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/time.h"
#include "core/content.h"
#include "core/library.h"

static const char *const actions[POST__ACTIONS] = {"submit",	"approve", "request_changes", "schedule",
						   "unschedule", "cancel",  "reopen"};
static const char *const content_types[] = {"text", "image", "video", "link", "carousel", "thread", "story", NULL};

int post_action_parse(const char *s)
{
	for (int i = 0; i < POST__ACTIONS; i++)
		if (s && strcmp(s, actions[i]) == 0)
			return i;
	return -1;
}

const char *post_action_name(enum post_action a)
{
	return a >= 0 && a < POST__ACTIONS ? actions[a] : "?";
}

static json_t *parse_col(const char *s, json_t *fallback)
{
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;
	if (v) {
		json_decref(fallback);
		return v;
	}
	return fallback;
}

static json_t *opt_str(struct store *st, struct store_row *r, int i)
{
	const char *s = store_text(st, r, i);
	return s ? json_string(s) : json_null();
}

static json_t *opt_int(struct store *st, struct store_row *r, int i)
{
	return store_is_null(st, r, i) ? json_null() : json_integer(store_int(st, r, i));
}

static int post_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	json_t *p = json_object();
	json_object_set_new(p, "id", json_integer(store_int(st, r, 0)));
	json_object_set_new(p, "state", json_string(store_text(st, r, 1)));
	json_object_set_new(p, "title", json_string(store_text(st, r, 2)));
	json_object_set_new(p, "master_text", json_string(store_text(st, r, 3)));
	json_object_set_new(p, "link", opt_str(st, r, 4));
	json_object_set_new(p, "content_type", json_string(store_text(st, r, 5)));
	json_object_set_new(p, "media", parse_col(store_text(st, r, 6), json_array()));
	json_object_set_new(p, "tags", parse_col(store_text(st, r, 7), json_array()));
	json_object_set_new(p, "notes", json_string(store_text(st, r, 8)));
	json_object_set_new(p, "campaign_id", opt_int(st, r, 9));
	json_object_set_new(p, "persona_id", opt_int(st, r, 10));
	json_object_set_new(p, "scheduled_at", store_is_null(st, r, 11) ? json_null() : json_time(store_int(st, r, 11)));
	if (store_is_null(st, r, 12))
		json_object_set_new(p, "schedule", json_null());
	else
		json_object_set_new(p, "schedule", json_pack("{ss ss}", "local", store_text(st, r, 12), "timezone",
							     store_text(st, r, 13)));
	json_object_set_new(p, "created_by", opt_int(st, r, 14));
	json_object_set_new(p, "created_at", json_time(store_int(st, r, 15)));
	json_object_set_new(p, "updated_at", json_time(store_int(st, r, 16)));
	json_object_set_new(p, "recurrence", parse_col(store_text(st, r, 17), json_null()));
	json_array_append_new(c[1], p);
	return 0;
}

static int variant_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	json_t *v = json_object();
	json_object_set_new(v, "id", json_integer(store_int(st, r, 0)));
	json_object_set_new(v, "channel", json_pack("{sI ss ss so}", "id", (json_int_t)store_int(st, r, 1), "network",
						    store_text(st, r, 2), "name", store_text(st, r, 3), "limits",
						    parse_col(store_text(st, r, 4), json_object())));
	json_object_set_new(v, "text", opt_str(st, r, 5));
	json_object_set_new(v, "link", opt_str(st, r, 6));
	json_object_set_new(v, "first_comment", opt_str(st, r, 7));
	json_object_set_new(v, "alt_text", opt_str(st, r, 8));
	json_object_set_new(v, "thread", parse_col(store_text(st, r, 9), json_null()));
	json_object_set_new(v, "media", parse_col(store_text(st, r, 10), json_null()));
	json_array_append_new(c[1], v);
	return 0;
}

static int comment_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	json_array_append_new(c[1], json_pack("{sI so ss ss ss so}", "id", (json_int_t)store_int(st, r, 0), "user_id",
					      opt_int(st, r, 1), "author", store_text(st, r, 2), "kind",
					      store_text(st, r, 3), "body", store_text(st, r, 4), "created_at",
					      json_time(store_int(st, r, 5))));
	return 0;
}

/* The bare post row (no variants). */
static int load(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e)
{
	json_t *arr = json_array();
	void *ctx[2] = {st, arr};
	struct store_val v[] = {SV_I(ws), SV_I(id)};
	int rc = store_exec(st, Q_POST_GET, v, NARGS(v), post_row, ctx, e);
	if (rc >= 0 && json_array_size(arr) == 0)
		rc = err_set(e, ERR_NOTFOUND, "post.not_found", "", "no such post");
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return 0;
}

int post_get(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e)
{
	json_t *p;
	int rc = load(st, ws, id, &p, e);
	if (rc)
		return rc;
	json_t *vars = json_array(), *comments = json_array();
	void *vctx[2] = {st, vars}, *cctx[2] = {st, comments};
	struct store_val v[] = {SV_I(ws), SV_I(id)};
	if ((rc = store_exec(st, Q_VARIANT_LIST, v, NARGS(v), variant_row, vctx, e)) < 0 ||
	    (rc = store_exec(st, Q_COMMENT_LIST, v, NARGS(v), comment_row, cctx, e)) < 0) {
		json_decref(p);
		json_decref(vars);
		json_decref(comments);
		return rc;
	}
	json_object_set_new(p, "variants", vars);
	json_object_set_new(p, "comments", comments);
	post_check_variants(p);
	/* What the media ids are, for the composer and the previews. */
	json_object_set_new(p, "media_items", library_items(st, ws, json_object_get(p, "media")));
	size_t i;
	json_t *var;
	json_array_foreach(vars, i, var) if (json_is_array(json_object_get(var, "media")))
		json_object_set_new(var, "media_items", library_items(st, ws, json_object_get(var, "media")));
	*out = p;
	return 0;
}

int post_list(struct store *st, int64_t ws, const char *state, int64_t from_ms, int64_t to_ms, int64_t before_id,
	      int limit, json_t **out, struct err *e)
{
	json_t *arr = json_array();
	void *ctx[2] = {st, arr};
	struct store_val v[] = {SV_I(ws),
				SV_S(state),
				from_ms ? SV_I(from_ms) : SV_N,
				to_ms ? SV_I(to_ms) : SV_N,
				SV_I(before_id > 0 ? before_id : INT64_MAX),
				SV_I(limit)};
	int rc = store_exec(st, Q_POST_LIST, v, NARGS(v), post_row, ctx, e);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* ---- validation of fields -------------------------------------------- */

static int check_link(const char *link, const char *field, struct err *e)
{
	size_t n = strlen(link);
	if (n == 0)
		return 0;
	if (n > 2048 || !(str_starts(link, "https://") || str_starts(link, "http://")))
		return err_set(e, ERR_INVALID, "post.link", field, "a link is an http(s) URL of at most 2048 bytes");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)link[i] <= 0x20 || link[i] == 0x7f)
			return err_set(e, ERR_INVALID, "post.link", field, "a link has no spaces or control characters");
	return 0;
}

static int check_str_list(json_t *arr, const char *field, size_t max_items, size_t max_len, const char *code,
			  struct err *e)
{
	if (!json_is_array(arr) || json_array_size(arr) > max_items)
		return err_set(e, ERR_INVALID, code, field, "%s must be a list of at most %zu", field + 2, max_items);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max_len) {
			char f[64];
			snprintf(f, sizeof f, "%s[%zu]", field, i);
			return err_set(e, ERR_INVALID, code, f, "each item is a text of 1 to %zu bytes", max_len);
		}
	}
	return 0;
}

static int check_id_list(json_t *arr, const char *field, size_t max_items, const char *code, struct err *e)
{
	if (!json_is_array(arr))
		return err_set(e, ERR_INVALID, code, field, "%s must be a list of ids", field + 2);
	if (json_array_size(arr) > max_items)
		return err_set(e, ERR_INVALID, strcmp(code, "post.channel") == 0 ? "post.too_many_variants" : code, field,
			       "at most %zu", max_items);
	size_t i, j;
	json_t *v, *w;
	json_array_foreach(arr, i, v)
	{
		char f[64];
		snprintf(f, sizeof f, "%s[%zu]", field, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return err_set(e, ERR_INVALID, code, f, "ids are positive integers");
		json_array_foreach(arr, j, w) if (j < i && json_integer_value(w) == json_integer_value(v)) return err_set(
			e, ERR_INVALID, code, f, "listed twice");
	}
	return 0;
}

/* Validate the master fields present in `fields` and merge them over p. */
static int merge_fields(json_t *p, json_t *fields, struct err *e)
{
	static const char *const keys[] = {"title", "master_text", "link", "content_type", "tags",
					   "media", "notes",	   "channel_ids", NULL};
	const char *title = NULL, *text = NULL, *link = NULL, *ctype = NULL, *notes = NULL;
	int rc;
	if ((rc = json_only_keys(fields, keys, e)) || (rc = json_get_str(fields, "title", 0, 0, 800, &title, e)) < 0 ||
	    (rc = json_get_str(fields, "master_text", 0, 0, POST_TEXT_MAX, &text, e)) < 0 ||
	    (rc = json_get_str(fields, "link", 0, 0, 2048, &link, e)) < 0 ||
	    (rc = json_get_str(fields, "content_type", 0, 1, 16, &ctype, e)) < 0 ||
	    (rc = json_get_str(fields, "notes", 0, 0, 20000, &notes, e)) < 0)
		return rc;
	if (link && (rc = check_link(link, "$.link", e)))
		return rc;
	if (ctype) {
		int ok = 0;
		for (const char *const *c = content_types; *c; c++)
			if (strcmp(*c, ctype) == 0)
				ok = 1;
		if (!ok)
			return err_set(e, ERR_INVALID, "post.content_type", "$.content_type",
				       "text, image, video, link, carousel, thread or story");
	}
	json_t *tags = json_object_get(fields, "tags"), *media = json_object_get(fields, "media"),
	       *chans = json_object_get(fields, "channel_ids");
	if (tags && (rc = check_str_list(tags, "$.tags", POST_TAGS_MAX, 50, "post.tags", e)))
		return rc;
	if (media && (rc = check_id_list(media, "$.media", 20, "post.media", e)))
		return rc;
	if (chans && (rc = check_id_list(chans, "$.channel_ids", POST_VARIANTS_MAX, "post.channel", e)))
		return rc;
	if (title)
		json_object_set_new(p, "title", json_string(title));
	if (text)
		json_object_set_new(p, "master_text", json_string(text));
	if (link)
		json_object_set_new(p, "link", *link ? json_string(link) : json_null());
	if (ctype)
		json_object_set_new(p, "content_type", json_string(ctype));
	if (notes)
		json_object_set_new(p, "notes", json_string(notes));
	if (tags)
		json_object_set(p, "tags", tags);
	if (media)
		json_object_set(p, "media", media);
	return 0;
}

static int write_master(struct store *st, int64_t ws, int64_t id, json_t *p, struct err *e)
{
	char *media = json_dumps(json_object_get(p, "media"), JSON_COMPACT);
	char *tags = json_dumps(json_object_get(p, "tags"), JSON_COMPACT);
	struct store_val v[] = {SV_S(json_string_value(json_object_get(p, "title"))),
				SV_S(json_string_value(json_object_get(p, "master_text"))),
				SV_S(json_string_value(json_object_get(p, "link"))),
				SV_S(json_string_value(json_object_get(p, "content_type"))),
				SV_S(media),
				SV_S(tags),
				SV_S(json_string_value(json_object_get(p, "notes"))),
				SV_I(time_now_ms()),
				SV_I(ws),
				SV_I(id)};
	int rc = store_exec(st, Q_POST_UPDATE, v, NARGS(v), NULL, NULL, e);
	free(media);
	free(tags);
	return rc;
}

/* Make the post's variants match channel_ids (inside a transaction). */
static int sync_variants(struct store *st, int64_t ws, int64_t id, json_t *want, json_t *have, struct err *e)
{
	size_t i, j;
	json_t *c, *v;
	int64_t now = time_now_ms();
	json_array_foreach(want, i, c)
	{
		int64_t ch = json_integer_value(c);
		int exists = 0;
		json_array_foreach(have, j, v) if (json_integer_value(json_object_get(json_object_get(v, "channel"), "id")) ==
						   ch) exists = 1;
		if (exists)
			continue;
		json_t *chan;
		if (channel_get(st, ws, ch, &chan, NULL)) {
			char f[48];
			snprintf(f, sizeof f, "$.channel_ids[%zu]", i);
			return err_set(e, ERR_INVALID, "post.channel", f, "no such channel in this workspace");
		}
		json_decref(chan);
		int64_t vid;
		struct store_val a[] = {SV_I(ws), SV_I(id), SV_I(ch), SV_I(now)};
		int rc = store_one_int(st, Q_VARIANT_INSERT, a, NARGS(a), &vid, e);
		if (rc)
			return rc;
	}
	json_array_foreach(have, j, v)
	{
		int64_t ch = json_integer_value(json_object_get(json_object_get(v, "channel"), "id"));
		int keep = 0;
		json_array_foreach(want, i, c) if (json_integer_value(c) == ch) keep = 1;
		if (keep)
			continue;
		struct store_val d[] = {SV_I(ws), SV_I(id), SV_I(json_integer_value(json_object_get(v, "id")))};
		int rc = store_exec(st, Q_VARIANT_DELETE, d, NARGS(d), NULL, NULL, e);
		if (rc)
			return rc;
	}
	return 0;
}

static void target_of(int64_t id, char *buf, size_t n)
{
	snprintf(buf, n, "post:%lld", (long long)id);
}

int post_create(struct store *st, const struct actor *a, int64_t ws, json_t *fields, json_t **out, struct err *e)
{
	json_t *p = json_pack("{ss ss sn ss s[] s[] ss}", "title", "", "master_text", "", "link", "content_type", "text",
			      "tags", "media", "notes", "");
	int rc = merge_fields(p, fields, e);
	int64_t id = 0;
	if (!rc && json_object_get(fields, "media"))
		rc = library_check_ids(st, ws, json_object_get(p, "media"), "$.media", e);
	if (!rc && !(rc = store_begin(st, e))) {
		char *media = json_dumps(json_object_get(p, "media"), JSON_COMPACT);
		char *tags = json_dumps(json_object_get(p, "tags"), JSON_COMPACT);
		struct store_val v[] = {SV_I(ws),
					SV_S(json_string_value(json_object_get(p, "title"))),
					SV_S(json_string_value(json_object_get(p, "master_text"))),
					SV_S(json_string_value(json_object_get(p, "link"))),
					SV_S(json_string_value(json_object_get(p, "content_type"))),
					SV_S(media),
					SV_S(tags),
					SV_S(json_string_value(json_object_get(p, "notes"))),
					SV_ID(a->user_id),
					SV_I(time_now_ms())};
		rc = store_one_int(st, Q_POST_INSERT, v, NARGS(v), &id, e);
		free(media);
		free(tags);
		json_t *chans = json_object_get(fields, "channel_ids");
		json_t *none = json_array();
		if (!rc && chans)
			rc = sync_variants(st, ws, id, chans, none, e);
		json_decref(none);
		char target[40];
		target_of(id, target, sizeof target);
		json_t *after = json_pack("{sO so}", "title", json_object_get(p, "title"), "channels",
					  chans ? json_incref(chans) : json_array());
		if (!rc)
			rc = audit_record(st, a, ws, "post.create", target, NULL, after, e);
		json_decref(after);
		if (rc || (rc = store_commit(st, e)))
			core_tx_fail(st, rc);
	}
	json_decref(p);
	if (rc)
		return rc;
	return post_get(st, ws, id, out, e);
}

static int locked(const char *state)
{
	return strcmp(state, "publishing") == 0 || strcmp(state, "published") == 0;
}

/* Editing approved or scheduled content sends it back for approval. */
static int reset_to_draft(struct store *st, int64_t ws, int64_t id, const char *state, struct err *e)
{
	if (strcmp(state, "approved") != 0 && strcmp(state, "scheduled") != 0)
		return 0;
	struct store_val v[] = {SV_S("draft"), SV_N,	 SV_N,	     SV_N,
				SV_I(time_now_ms()), SV_I(ws), SV_I(id), SV_S(state), SV_N};
	int rc = store_exec(st, Q_POST_SET_STATE, v, NARGS(v), NULL, NULL, e);
	if (!rc && store_changes(st) == 0)
		rc = err_set(e, ERR_CONFLICT, "post.changed", "", "the post changed meanwhile; reload it");
	return rc;
}

int post_update(struct store *st, const struct actor *a, enum role role, int64_t ws, int64_t id, json_t *fields,
		json_t **out, struct err *e)
{
	(void)role;
	json_t *p = NULL;
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	if ((rc = post_get(st, ws, id, &p, e)))
		return core_tx_fail(st, rc);
	char state[16];
	str_copy(state, json_string_value(json_object_get(p, "state")), sizeof state);
	json_t *before = json_pack("{sO sO sO}", "state", json_object_get(p, "state"), "title", json_object_get(p, "title"),
				   "master_text", json_object_get(p, "master_text"));
	if (locked(state))
		rc = err_set(e, ERR_CONFLICT, "post.locked", "", "a post that is publishing or published cannot change");
	if (!rc)
		rc = merge_fields(p, fields, e);
	if (!rc && json_object_get(fields, "media"))
		rc = library_check_ids(st, ws, json_object_get(p, "media"), "$.media", e);
	if (!rc)
		rc = write_master(st, ws, id, p, e);
	json_t *chans = json_object_get(fields, "channel_ids");
	if (!rc && chans)
		rc = sync_variants(st, ws, id, chans, json_object_get(p, "variants"), e);
	if (!rc)
		rc = reset_to_draft(st, ws, id, state, e);
	if (!rc) {
		char target[40];
		target_of(id, target, sizeof target);
		json_t *after = json_pack("{ss sO sO}", "state",
					  strcmp(state, "approved") == 0 || strcmp(state, "scheduled") == 0 ? "draft" : state,
					  "title", json_object_get(p, "title"), "master_text", json_object_get(p, "master_text"));
		rc = audit_record(st, a, ws, "post.update", target, before, after, e);
		json_decref(after);
	}
	json_decref(before);
	json_decref(p);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return post_get(st, ws, id, out, e);
}

int post_delete(struct store *st, const struct actor *a, int64_t ws, int64_t id, struct err *e)
{
	json_t *p;
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	if ((rc = load(st, ws, id, &p, e)))
		return core_tx_fail(st, rc);
	if (locked(json_string_value(json_object_get(p, "state"))))
		rc = err_set(e, ERR_CONFLICT, "post.locked", "", "a post that is publishing or published cannot be deleted");
	struct store_val v[] = {SV_I(ws), SV_I(id)};
	if (!rc)
		rc = store_exec(st, Q_POST_DELETE, v, NARGS(v), NULL, NULL, e);
	char target[40];
	target_of(id, target, sizeof target);
	json_t *before = json_pack("{sO sO}", "title", json_object_get(p, "title"), "state", json_object_get(p, "state"));
	if (!rc)
		rc = audit_record(st, a, ws, "post.delete", target, before, NULL, e);
	json_decref(before);
	json_decref(p);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return 0;
}

int variant_update(struct store *st, const struct actor *a, int64_t ws, int64_t post_id, int64_t variant_id,
		   json_t *fields, json_t **out, struct err *e)
{
	static const char *const keys[] = {"text", "link", "first_comment", "alt_text", "thread", "media", "adapt", NULL};
	json_t *p = NULL;
	int rc = json_only_keys(fields, keys, e);
	int adapt = 0;
	if (!rc && (rc = json_get_bool(fields, "adapt", 0, &adapt, e)) > 0)
		rc = 0;
	if (rc || (rc = store_begin(st, e)))
		return rc;
	if ((rc = post_get(st, ws, post_id, &p, e)))
		return core_tx_fail(st, rc);
	json_t *var = NULL;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(p, "variants"), i, v) if (json_integer_value(json_object_get(v, "id")) ==
								     variant_id) var = v;
	const char *state = json_string_value(json_object_get(p, "state"));
	if (!var)
		rc = err_set(e, ERR_NOTFOUND, "variant.not_found", "", "no such variant of this post");
	else if (locked(state))
		rc = err_set(e, ERR_CONFLICT, "post.locked", "", "a post that is publishing or published cannot change");
	/* Each field: absent keeps, null clears the override, a value sets it. */
	static const struct {
		const char *key;
		size_t max;
	} strs[] = {{"text", POST_TEXT_MAX}, {"link", 2048}, {"first_comment", 20000}, {"alt_text", 6000}};
	for (size_t k = 0; !rc && k < sizeof strs / sizeof strs[0]; k++) {
		json_t *f = json_object_get(fields, strs[k].key);
		char path[48];
		snprintf(path, sizeof path, "$.%s", strs[k].key);
		if (!f)
			continue;
		if (!json_is_null(f) && (!json_is_string(f) || json_string_length(f) > strs[k].max))
			rc = err_set(e, ERR_INVALID, "variant.field", path, "%s must be a text of at most %zu bytes or null",
				     strs[k].key, strs[k].max);
		else if (json_is_string(f) && memchr(json_string_value(f), 0, json_string_length(f)))
			rc = err_set(e, ERR_INVALID, "variant.field", path, "%s contains a NUL character", strs[k].key);
		else if (k == 1 && json_is_string(f))
			rc = check_link(json_string_value(f), "$.link", e);
		if (!rc)
			json_object_set(var, strs[k].key, f);
	}
	json_t *thread = json_object_get(fields, "thread"), *media = json_object_get(fields, "media");
	json_t *sugg = NULL;
	if (!rc && adapt) {
		/* {"adapt": true}: take the proposal made for this network */
		if (json_object_get(fields, "text") || thread)
			rc = err_set(e, ERR_INVALID, "variant.adapt", "$.adapt", "adapt goes alone, without text or thread");
		else if (!json_is_object(sugg = json_object_get(var, "suggestion")))
			rc = err_set(e, ERR_CONFLICT, "variant.nothing_to_adapt", "$.adapt",
				     "the master text already fits this network");
		else {
			json_object_set(var, "text", json_object_get(sugg, "text"));
			thread = json_object_get(sugg, "thread");
		}
	}
	if (!rc && thread && !json_is_null(thread))
		rc = check_str_list(thread, "$.thread", THREAD_PARTS_MAX, POST_TEXT_MAX, "variant.thread", e);
	if (!rc && media && !json_is_null(media))
		rc = check_id_list(media, "$.media", 20, "variant.media", e);
	if (!rc && media && !json_is_null(media))
		rc = library_check_ids(st, ws, media, "$.media", e);
	if (!rc) {
		if (thread)
			json_object_set(var, "thread", thread);
		if (media)
			json_object_set(var, "media", media);
		char *th = json_is_null(json_object_get(var, "thread")) ? NULL
									: json_dumps(json_object_get(var, "thread"), JSON_COMPACT);
		char *md = json_is_null(json_object_get(var, "media")) ? NULL
								       : json_dumps(json_object_get(var, "media"), JSON_COMPACT);
		struct store_val u[] = {SV_S(json_string_value(json_object_get(var, "text"))),
					SV_S(json_string_value(json_object_get(var, "link"))),
					SV_S(json_string_value(json_object_get(var, "first_comment"))),
					SV_S(json_string_value(json_object_get(var, "alt_text"))),
					SV_S(th),
					SV_S(md),
					SV_I(time_now_ms()),
					SV_I(ws),
					SV_I(post_id),
					SV_I(variant_id)};
		rc = store_exec(st, Q_VARIANT_UPDATE, u, NARGS(u), NULL, NULL, e);
		free(th);
		free(md);
	}
	if (!rc)
		rc = reset_to_draft(st, ws, post_id, state, e);
	if (!rc) {
		char target[48];
		snprintf(target, sizeof target, "post:%lld/variant:%lld", (long long)post_id, (long long)variant_id);
		json_t *after = json_pack("{sO}", "text", json_object_get(var, "text"));
		rc = audit_record(st, a, ws, "variant.update", target, NULL, after, e);
		json_decref(after);
	}
	json_decref(p);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return post_get(st, ws, post_id, out, e);
}

int post_comment(struct store *st, const struct actor *a, int64_t ws, int64_t id, const char *kind, const char *body,
		 struct err *e)
{
	struct store_val v[] = {SV_I(ws),	 SV_I(id), SV_ID(a->user_id), SV_S(a->label[0] ? a->label : "unknown"),
				SV_S(kind),	 SV_S(body ? body : ""), SV_I(time_now_ms())};
	int64_t cid;
	return store_one_int(st, Q_COMMENT_INSERT, v, NARGS(v), &cid, e);
}

/* ---- the workflow ---------------------------------------------------- */

static int state_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int resolve_time(struct store *st, int64_t ws, int64_t post_id, json_t *args, int64_t *at, char local[20],
			char zone[64], struct err *e)
{
	const char *rfc = NULL, *loc = NULL, *tz = NULL;
	int rc;
	long long chan = 0;
	if ((rc = json_get_str(args, "scheduled_at", 0, 1, 40, &rfc, e)) < 0 ||
	    (rc = json_get_str(args, "local", 0, 1, 40, &loc, e)) < 0 ||
	    (rc = json_get_str(args, "timezone", 0, 1, 64, &tz, e)) < 0 ||
	    (rc = json_get_int(args, "queue_channel_id", 0, 1, INT64_MAX, &chan, e)) < 0)
		return rc;
	struct workspace w;
	if ((rc = workspace_get(st, ws, &w, e)))
		return rc;
	str_copy(zone, tz ? tz : w.timezone, 64);
	if (chan) {
		json_t *p = NULL;
		int mine = 0;
		if (post_get(st, ws, post_id, &p, NULL) == 0) {
			size_t i;
			json_t *v;
			json_array_foreach(json_object_get(p, "variants"), i, v) if (
				json_integer_value(json_object_get(json_object_get(v, "channel"), "id")) == chan) mine = 1;
			json_decref(p);
		}
		if (!mine)
			return err_set(e, ERR_INVALID, "schedule.queue_channel", "$.queue_channel_id",
				       "queue on one of the post's own channels");
		if ((rc = schedule_next_slot(st, ws, chan, time_now_ms(), at, e)))
			return rc;
		json_t *ch;
		if (channel_get(st, ws, chan, &ch, NULL) == 0) {
			str_copy(zone, json_string_value(json_object_get(ch, "timezone")), 64);
			json_decref(ch);
		}
		return schedule_utc_to_local(*at, zone, local) ? err_set(e, ERR_INTERNAL, NULL, "", "zone") : 0;
	}
	if (loc) {
		if ((rc = schedule_local_to_utc(loc, zone, at, e)))
			return rc;
		str_copy(local, loc, 17);
		return 0;
	}
	if (rfc) {
		if (time_parse_rfc3339(rfc, at))
			return err_set(e, ERR_INVALID, "schedule.time", "$.scheduled_at", "use RFC 3339, e.g. 2026-12-01T08:00:00Z");
		if (!time_zone_valid(zone))
			return err_set(e, ERR_INVALID, "schedule.timezone", "$.timezone", "unknown IANA time zone");
		schedule_utc_to_local(*at, zone, local);
		return 0;
	}
	return err_set(e, ERR_INVALID, "field.required", "$.local",
		       "give local (with timezone), scheduled_at, or queue_channel_id");
}

int post_transition(struct store *st, const struct actor *a, enum role role, int64_t ws, int64_t id,
		    enum post_action action, json_t *args, json_t **out, struct err *e)
{
	static const char *const from_submit[] = {"draft", NULL};
	static const char *const from_review[] = {"in_review", NULL};
	static const char *const from_approved[] = {"approved", NULL};
	static const char *const from_any_unapproved[] = {"draft", "in_review", "approved", NULL};
	static const char *const from_scheduled[] = {"scheduled", NULL};
	static const char *const from_cancelable[] = {"draft", "in_review", "approved", "scheduled", "failed",
						      "unconfirmed", NULL};
	static const char *const from_reopen[] = {"canceled", "failed", NULL};
	static const struct {
		const char *const *from;
		const char *to;
		enum perm perm;
	} rules[POST__ACTIONS] = {
		[POST_SUBMIT] = {from_submit, "in_review", PERM_POSTS_SCHEDULE},
		[POST_APPROVE] = {from_review, "approved", PERM_POSTS_APPROVE},
		[POST_REQUEST_CHANGES] = {from_review, "draft", PERM_POSTS_APPROVE},
		[POST_SCHEDULE] = {from_approved, "scheduled", PERM_POSTS_SCHEDULE},
		[POST_UNSCHEDULE] = {from_scheduled, "approved", PERM_POSTS_SCHEDULE},
		[POST_CANCEL] = {from_cancelable, "canceled", PERM_POSTS_SCHEDULE},
		[POST_REOPEN] = {from_reopen, "draft", PERM_POSTS_DRAFT},
	};
	if (action < 0 || action >= POST__ACTIONS)
		return err_set(e, ERR_INVALID, "post.action", "$.action", "unknown action");
	if (!perm_allows(role, rules[action].perm))
		return err_set(e, ERR_FORBIDDEN, "auth.forbidden", "", "your role (%s) may not %s a post", role_name(role),
			       actions[action]);
	static const char *const keys[] = {"comment",	       "scheduled_at", "local", "timezone",
					   "queue_channel_id", "recurrence",   NULL};
	const char *comment = NULL;
	int rc;
	if (args && ((rc = json_only_keys(args, keys, e)) ||
		     (rc = json_get_str(args, "comment", 0, 0, 5000, &comment, e)) < 0))
		return rc;
	if (action == POST_REQUEST_CHANGES && (!comment || !*comment))
		return err_set(e, ERR_INVALID, "field.required", "$.comment", "say what should change");
	json_t *p = NULL;
	if ((rc = store_begin(st, e)))
		return rc;
	if ((rc = post_get(st, ws, id, &p, e)))
		return core_tx_fail(st, rc);
	const char *state = json_string_value(json_object_get(p, "state"));
	const char *const *from = rules[action].from;
	/* Those who may approve may also schedule what is not yet approved. */
	if (action == POST_SCHEDULE && perm_allows(role, PERM_POSTS_APPROVE))
		from = from_any_unapproved;
	int64_t at = 0;
	char local[20] = "", zone[64] = "";
	char *rec_json = NULL;
	if (!state_in(state, from))
		rc = err_set(e, ERR_CONFLICT, "post.transition", "", "a %s post cannot be %s", state,
			     action == POST_SUBMIT ? "submitted" : action == POST_REOPEN ? "reopened" : actions[action]);
	if (!rc && (action == POST_SUBMIT || action == POST_SCHEDULE) &&
	    json_array_size(json_object_get(p, "variants")) == 0)
		rc = err_set(e, ERR_CONFLICT, "post.no_channels", "$.channel_ids", "choose at least one channel first");
	if (!rc && action == POST_SCHEDULE) {
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(p, "variants"), i, v) if (!rc && json_array_size(json_object_get(v, "problems")))
		{
			char f[48];
			snprintf(f, sizeof f, "$.variants[%zu]", i);
			rc = err_set(e, ERR_CONFLICT, "post.invalid_variants", f,
				     "the %s variant has problems to fix before scheduling",
				     json_string_value(json_object_get(json_object_get(v, "channel"), "network")));
		}
		if (!rc && !(rc = resolve_time(st, ws, id, args, &at, local, zone, e)) && at < time_now_ms() - 60000)
			rc = err_set(e, ERR_INVALID, "schedule.in_past", "$.local", "that time has passed");
		json_t *rec = json_object_get(args, "recurrence");
		if (!rc && rec && !json_is_null(rec) && !(rc = schedule_check_recurrence(rec, e)))
			rec_json = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	}
	const char *to = rules[action].to;
	if (!rc) {
		struct store_val v[] = {
			SV_S(to),
			action == POST_SCHEDULE ? SV_I(at) : SV_N,
			action == POST_SCHEDULE ? SV_S(local) : SV_N,
			action == POST_SCHEDULE ? SV_S(zone) : SV_N,
			SV_I(time_now_ms()),
			SV_I(ws),
			SV_I(id),
			SV_S(state),
			SV_S(rec_json),
		};
		rc = store_exec(st, Q_POST_SET_STATE, v, NARGS(v), NULL, NULL, e);
		if (!rc && store_changes(st) == 0)
			rc = err_set(e, ERR_CONFLICT, "post.changed", "", "the post changed meanwhile; reload it");
	}
	if (!rc && (comment || action == POST_SUBMIT || action == POST_APPROVE || action == POST_REQUEST_CHANGES)) {
		const char *kind = action == POST_SUBMIT		  ? "submit"
				   : action == POST_APPROVE		  ? "approve"
				   : action == POST_REQUEST_CHANGES ? "request_changes"
								    : "comment";
		rc = post_comment(st, a, ws, id, kind, comment, e);
	}
	if (!rc) {
		char target[40];
		target_of(id, target, sizeof target);
		json_t *before = json_pack("{ss}", "state", state);
		json_t *after = json_pack("{ss}", "state", to);
		if (action == POST_SCHEDULE)
			json_object_set_new(after, "schedule", json_pack("{ss ss so}", "local", local, "timezone", zone, "at",
									 json_time(at)));
		char act[40];
		snprintf(act, sizeof act, "post.%s", actions[action]);
		rc = audit_record(st, a, ws, act, target, before, after, e);
		json_decref(before);
		json_decref(after);
	}
	json_decref(p);
	free(rec_json);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return post_get(st, ws, id, out, e);
}
