/* library: a workspace's media items. The bytes are content addressed and
 * shared between workspaces; a row per workspace holds what people say
 * about them (alt text, tags). How many posts use an item is kept by the
 * database itself (media_uses, filled by triggers on posts and variants),
 * so no code path can forget it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/time.h"
#include "core/library.h"

static json_t *opt_int(struct store *st, struct store_row *r, int i)
{
	return store_is_null(st, r, i) ? json_null() : json_integer(store_int(st, r, i));
}

/* Columns: id, sha256, kind, format, width, height, frames, duration_ms,
 * bytes, filename, alt_text, tags_json, created_by, created_at, updated_at,
 * uses, posts using. */
static int media_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	int64_t ws = *(int64_t *)c[2];
	json_t *m = json_object();
	int64_t id = store_int(st, r, 0);
	const char *format = store_text(st, r, 3);
	json_object_set_new(m, "id", json_integer(id));
	json_object_set_new(m, "type", json_string(store_text(st, r, 2)));
	json_object_set_new(m, "format", json_string(format));
	json_object_set_new(m, "mime", json_string(media_format_mime(media_format_parse(format))));
	json_object_set_new(m, "width", opt_int(st, r, 4));
	json_object_set_new(m, "height", opt_int(st, r, 5));
	json_object_set_new(m, "frames", json_integer(store_int(st, r, 6)));
	json_object_set_new(m, "duration_ms", opt_int(st, r, 7));
	json_object_set_new(m, "bytes", json_integer(store_int(st, r, 8)));
	json_object_set_new(m, "sha256", json_string(store_text(st, r, 1)));
	json_object_set_new(m, "filename", json_string(store_text(st, r, 9)));
	json_object_set_new(m, "alt_text", json_string(store_text(st, r, 10)));
	json_t *tags = json_loads(store_text(st, r, 11), 0, NULL);
	json_object_set_new(m, "tags", tags ? tags : json_array());
	json_object_set_new(m, "usage_count", json_integer(store_int(st, r, 15)));
	json_object_set_new(m, "used_by_posts", json_integer(store_int(st, r, 16)));
	json_object_set_new(m, "created_by", opt_int(st, r, 12));
	json_object_set_new(m, "created_at", json_time(store_int(st, r, 13)));
	json_object_set_new(m, "updated_at", json_time(store_int(st, r, 14)));
	char url[96];
	snprintf(url, sizeof url, "/api/v1/workspaces/%lld/media/%lld/file", (long long)ws, (long long)id);
	json_object_set_new(m, "file_url", json_string(url));
	json_array_append_new(c[1], m);
	return 0;
}

static int fetch(struct store *st, enum store_q q, const struct store_val *v, size_t n, int64_t ws, json_t **out,
		 struct err *e)
{
	json_t *arr = json_array();
	void *ctx[3] = {st, arr, &ws};
	int rc = store_exec(st, q, v, n, media_row, ctx, e);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* One item by (ws, id) or NULL-out with media.not_found. */
static int one(struct store *st, enum store_q q, const struct store_val *v, size_t n, int64_t ws, json_t **out,
	       struct err *e)
{
	json_t *arr;
	int rc = fetch(st, q, v, n, ws, &arr, e);
	if (rc)
		return rc;
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return err_set(e, ERR_NOTFOUND, "media.not_found", "", "no such media item");
	}
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return 0;
}

int library_get(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e)
{
	struct store_val v[] = {SV_I(ws), SV_I(id)};
	return one(st, Q_MEDIA_GET, v, NARGS(v), ws, out, e);
}

int library_list(struct store *st, int64_t ws, const char *tag, const char *type, int64_t before_id, int limit,
		 json_t **out, struct err *e)
{
	struct store_val v[] = {SV_I(ws), SV_S(tag), SV_S(type), SV_I(before_id > 0 ? before_id : INT64_MAX),
				SV_I(limit)};
	return fetch(st, Q_MEDIA_LIST, v, NARGS(v), ws, out, e);
}

/* ---- checks ---------------------------------------------------------- */

int library_check_alt(const char *s, size_t len, struct err *e)
{
	if (!utf8_valid(s, len, NULL) || memchr(s, 0, len))
		return err_set(e, ERR_INVALID, "media.alt_text", "alt_text", "alt text must be UTF-8 text without NUL");
	size_t chars = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			chars++;
	if (chars > MEDIA_ALT_MAX)
		return err_set(e, ERR_INVALID, "media.alt_text", "alt_text",
			       "alt text is at most %d characters, not %zu", MEDIA_ALT_MAX, chars);
	return 0;
}

int library_check_tags(json_t *tags, struct err *e)
{
	if (!json_is_array(tags) || json_array_size(tags) > LIBRARY_TAGS_MAX)
		return err_set(e, ERR_INVALID, "media.tags", "tags", "tags are a list of at most %d texts",
			       LIBRARY_TAGS_MAX);
	size_t i, j;
	json_t *t, *u;
	json_array_foreach(tags, i, t)
	{
		char f[32];
		snprintf(f, sizeof f, "tags[%zu]", i);
		size_t n = json_string_length(t);
		if (!json_is_string(t) || n == 0 || n > LIBRARY_TAG_MAX)
			return err_set(e, ERR_INVALID, "media.tags", f, "each tag is a text of 1 to %d bytes",
				       LIBRARY_TAG_MAX);
		const char *s = json_string_value(t);
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
				return err_set(e, ERR_INVALID, "media.tags", f, "a tag holds a control character");
		json_array_foreach(tags, j, u) if (j < i && strcmp(json_string_value(u), s) == 0) return err_set(
		    e, ERR_INVALID, "media.tags", f, "listed twice");
	}
	return 0;
}

int library_parse_tags(const char *s, size_t len, json_t **out, struct err *e)
{
	if (!utf8_valid(s, len, NULL) || memchr(s, 0, len))
		return err_set(e, ERR_INVALID, "media.tags", "tags", "tags must be UTF-8 text");
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	json_t *tags;
	if (i < len && s[i] == '[') {
		json_error_t je;
		tags = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
		if (!tags)
			return err_set(e, ERR_INVALID, "media.tags", "tags",
				       "tags: a JSON list, or words between commas");
	} else {
		tags = json_array();
		while (i <= len) {
			size_t start = i;
			while (i < len && s[i] != ',')
				i++;
			size_t a = start, b = i;
			while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n'))
				a++;
			while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n'))
				b--;
			if (b > a)
				json_array_append_new(tags, json_stringn(s + a, b - a));
			i++;
		}
	}
	int rc = library_check_tags(tags, e);
	if (rc) {
		json_decref(tags);
		return rc;
	}
	*out = tags;
	return 0;
}

int library_check_ids(struct store *st, int64_t ws, json_t *ids, const char *field, struct err *e)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		json_t *m = NULL;
		int rc = library_get(st, ws, json_integer_value(v), &m, e);
		json_decref(m);
		if (rc == ERR_NOTFOUND) {
			char f[64];
			snprintf(f, sizeof f, "%s[%zu]", field, i);
			return err_set(e, ERR_INVALID, "post.media", f, "no such media item in this workspace");
		}
		if (rc)
			return rc;
	}
	return 0;
}

json_t *library_items(struct store *st, int64_t ws, json_t *ids)
{
	json_t *out = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		json_t *m = NULL;
		if (library_get(st, ws, json_integer_value(v), &m, NULL))
			continue;
		json_array_append_new(out, json_pack("{sO sO sO sO sO sO}", "id", json_object_get(m, "id"), "type",
						     json_object_get(m, "type"), "format", json_object_get(m, "format"),
						     "width", json_object_get(m, "width"), "height",
						     json_object_get(m, "height"), "alt_text",
						     json_object_get(m, "alt_text")));
		json_decref(m);
	}
	return out;
}

/* ---- changes --------------------------------------------------------- */

static void target_of(int64_t id, char *buf, size_t n)
{
	snprintf(buf, n, "media:%lld", (long long)id);
}

int library_add(struct store *st, const struct actor *a, int64_t ws, const char *root, const char *tmp,
		const char *sha256, const struct media_info *info, const char *filename, const char *alt_text,
		json_t *tags, json_t **out, int *existed, struct err *e)
{
	*existed = 0;
	/* The write lock is held from here to the commit: a deletion that
	 * would remove these same bytes cannot run in between. */
	int rc = store_begin(st, e);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	json_t *have = NULL;
	struct store_val k[] = {SV_I(ws), SV_S(sha256)};
	if ((rc = one(st, Q_MEDIA_BY_SHA, k, NARGS(k), ws, &have, NULL)) == 0) {
		store_rollback(st);
		unlink(tmp);
		*existed = 1;
		*out = have;
		return 0;
	}
	if (rc != ERR_NOTFOUND) {
		unlink(tmp);
		return core_tx_fail(st, err_set(e, rc, NULL, "", "cannot read the media library"));
	}
	if ((rc = media_blob_place(root, tmp, sha256, e)))
		return core_tx_fail(st, rc);
	char *tj = json_dumps(tags, JSON_COMPACT);
	int video = media_format_kind(info->format) == MEDIA_VIDEO;
	struct store_val v[] = {SV_I(ws),
				SV_S(sha256),
				SV_S(video ? "video" : "image"),
				SV_S(media_format_name(info->format)),
				SV_ID(info->width),
				SV_ID(info->height),
				SV_I(info->frames > 0 ? info->frames : 1),
				video && info->duration_ms > 0 ? SV_I(info->duration_ms) : SV_N,
				SV_I((int64_t)info->bytes),
				SV_S(filename ? filename : ""),
				SV_S(alt_text ? alt_text : ""),
				SV_S(tj),
				SV_ID(a->user_id),
				SV_I(time_now_ms())};
	int64_t id = 0;
	rc = store_one_int(st, Q_MEDIA_INSERT, v, NARGS(v), &id, e);
	free(tj);
	if (!rc) {
		char target[40];
		target_of(id, target, sizeof target);
		json_t *after = json_pack("{ss ss sI}", "sha256", sha256, "format", media_format_name(info->format),
					  "bytes", (json_int_t)info->bytes);
		rc = audit_record(st, a, ws, "media.upload", target, NULL, after, e);
		json_decref(after);
	}
	/* On failure the bytes may stay without a row: harmless, and the same
	 * upload again finds them in place. */
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return library_get(st, ws, id, out, e);
}

int library_update(struct store *st, const struct actor *a, int64_t ws, int64_t id, json_t *fields, json_t **out,
		   struct err *e)
{
	static const char *const keys[] = {"alt_text", "tags", NULL};
	int rc = json_only_keys(fields, keys, e);
	if (rc)
		return rc;
	json_t *alt = json_object_get(fields, "alt_text"), *tags = json_object_get(fields, "tags");
	if (alt && !json_is_null(alt) && !json_is_string(alt))
		return err_set(e, ERR_INVALID, "field.type", "$.alt_text", "alt_text must be a text or null");
	if (json_is_string(alt) && (rc = library_check_alt(json_string_value(alt), json_string_length(alt), e)))
		return rc;
	if (tags && (rc = library_check_tags(tags, e)))
		return rc;
	if ((rc = store_begin(st, e)))
		return rc;
	json_t *m = NULL;
	if ((rc = library_get(st, ws, id, &m, e)))
		return core_tx_fail(st, rc);
	const char *new_alt = alt ? (json_is_string(alt) ? json_string_value(alt) : "")
				  : json_string_value(json_object_get(m, "alt_text"));
	char *tj = json_dumps(tags ? tags : json_object_get(m, "tags"), JSON_COMPACT);
	struct store_val v[] = {SV_S(new_alt), SV_S(tj), SV_I(time_now_ms()), SV_I(ws), SV_I(id)};
	rc = store_exec(st, Q_MEDIA_UPDATE, v, NARGS(v), NULL, NULL, e);
	if (!rc) {
		char target[40];
		target_of(id, target, sizeof target);
		json_t *before = json_pack("{sO sO}", "alt_text", json_object_get(m, "alt_text"), "tags",
					   json_object_get(m, "tags"));
		json_t *after = json_pack("{ss so}", "alt_text", new_alt, "tags", json_loads(tj, 0, NULL));
		rc = audit_record(st, a, ws, "media.update", target, before, after, e);
		json_decref(before);
		json_decref(after);
	}
	free(tj);
	json_decref(m);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return library_get(st, ws, id, out, e);
}

int library_delete(struct store *st, const struct actor *a, int64_t ws, int64_t id, const char *root, struct err *e)
{
	json_t *m = NULL;
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	if ((rc = library_get(st, ws, id, &m, e)))
		return core_tx_fail(st, rc);
	json_int_t uses = json_integer_value(json_object_get(m, "usage_count"));
	if (uses > 0)
		rc = err_set(e, ERR_CONFLICT, "media.in_use", "",
			     "%lld post%s or variant%s use this item; remove it there first", (long long)uses,
			     uses == 1 ? "" : "s", uses == 1 ? "" : "s");
	struct store_val v[] = {SV_I(ws), SV_I(id)};
	if (!rc)
		rc = store_exec(st, Q_MEDIA_DELETE, v, NARGS(v), NULL, NULL, e);
	char target[40];
	target_of(id, target, sizeof target);
	char sha[65];
	str_copy(sha, json_string_value(json_object_get(m, "sha256")), sizeof sha);
	if (!rc) {
		json_t *before = json_pack("{sO sO}", "sha256", json_object_get(m, "sha256"), "filename",
					   json_object_get(m, "filename"));
		rc = audit_record(st, a, ws, "media.delete", target, before, NULL, e);
		json_decref(before);
	}
	json_decref(m);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	/* The bytes go when no workspace holds them, checked under the write
	 * lock that uploads take too. A failure here leaves bytes without a
	 * row, which is harmless. */
	if (store_begin(st, NULL) == 0) {
		int64_t n = 1;
		struct store_val s[] = {SV_S(sha)};
		if (store_one_int(st, Q_MEDIA_SHA_COUNT, s, NARGS(s), &n, NULL) == 0 && n == 0)
			media_blob_remove(root, sha);
		store_rollback(st);
	}
	return 0;
}
