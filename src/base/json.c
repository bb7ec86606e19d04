/* json: bounded parsing of request bodies and typed field access. */
#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

const struct json_limits json_default_limits = {32, 65536, 10000};

int utf8_valid(const char *s, size_t len, size_t *bad_at)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		size_t n;
		unsigned cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		if (len - i <= n)
			goto bad;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			goto bad;
		i += n + 1;
	}
	return 1;
bad:
	if (bad_at)
		*bad_at = i;
	return 0;
}

/* A small scanner over the prefix: a stack of containers, with the current
 * key (objects) or index (arrays). Good enough to name the field where the
 * text goes wrong. */
void json_path_at(const char *s, size_t len, size_t pos, char *out, size_t out_size)
{
	enum { MAXD = 64 };
	struct {
		char kind;
		long idx;
		char key[64];
		int have_key;
	} st[MAXD];
	int d = -1;
	int expect_key = 0;
	if (pos > len)
		pos = len;
	for (size_t i = 0; i < pos; i++) {
		char c = s[i];
		if (c == '"') {
			size_t j = i + 1;
			while (j < pos && s[j] != '"') {
				if (s[j] == '\\')
					j++;
				j++;
			}
			if (d >= 0 && d < MAXD && st[d].kind == '{' && expect_key) {
				size_t kl = j - i - 1;
				if (kl >= sizeof st[d].key)
					kl = sizeof st[d].key - 1;
				memcpy(st[d].key, s + i + 1, kl);
				st[d].key[kl] = '\0';
				st[d].have_key = 1;
			}
			i = j;
		} else if (c == '{' || c == '[') {
			d++;
			if (d < MAXD) {
				st[d].kind = c;
				st[d].idx = 0;
				st[d].have_key = 0;
			}
			expect_key = c == '{';
		} else if (c == '}' || c == ']') {
			d--;
			expect_key = 0;
		} else if (c == ':') {
			expect_key = 0;
		} else if (c == ',') {
			if (d >= 0 && d < MAXD) {
				if (st[d].kind == '[')
					st[d].idx++;
				else {
					st[d].have_key = 0;
					expect_key = 1;
				}
			}
		}
	}
	struct buf b = BUF_INIT(out_size > 1 ? out_size - 1 : 1);
	buf_adds(&b, "$");
	for (int k = 0; k <= d && k < MAXD; k++) {
		if (st[k].kind == '[')
			buf_addf(&b, "[%ld]", st[k].idx);
		else if (st[k].have_key)
			buf_addf(&b, ".%s", st[k].key);
	}
	str_copy(out, buf_cstr(&b), out_size);
	buf_free(&b);
}

static int walk(json_t *v, const struct json_limits *lim, size_t depth, struct buf *path, struct err *e)
{
	if (json_is_object(v) || json_is_array(v)) {
		if (depth >= lim->max_depth)
			return err_set(e, ERR_INVALID, "json.too_deep", buf_cstr(path),
				       "JSON nesting is deeper than %zu", lim->max_depth);
		size_t n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
		if (n > lim->max_array)
			return err_set(e, ERR_INVALID, "json.array_too_long", buf_cstr(path),
				       "more than %zu elements", lim->max_array);
	}
	size_t save = path->len;
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c)
		{
			if (strlen(k) > lim->max_string)
				return err_set(e, ERR_INVALID, "json.string_too_long", buf_cstr(path),
					       "a key is longer than %zu bytes", lim->max_string);
			buf_addf(path, ".%.60s", k);
			int rc = walk(c, lim, depth + 1, path, e);
			path->len = save;
			path->ptr[save] = '\0';
			if (rc)
				return rc;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
		{
			buf_addf(path, "[%zu]", i);
			int rc = walk(c, lim, depth + 1, path, e);
			path->len = save;
			path->ptr[save] = '\0';
			if (rc)
				return rc;
		}
	} else if (json_is_string(v)) {
		if (json_string_length(v) > lim->max_string)
			return err_set(e, ERR_INVALID, "json.string_too_long", buf_cstr(path),
				       "a string is longer than %zu bytes", lim->max_string);
	}
	return 0;
}

json_t *json_parse_body(const char *s, size_t len, const struct json_limits *lim, struct err *e)
{
	char path[128];
	size_t bad = 0;
	if (!lim)
		lim = &json_default_limits;
	if (!utf8_valid(s, len, &bad)) {
		json_path_at(s, len, bad, path, sizeof path);
		err_set(e, ERR_INVALID, "json.invalid_utf8", path, "invalid UTF-8 at byte %zu", bad);
		return NULL;
	}
	/* Bound nesting before jansson recurses over it. */
	size_t depth = 0, maxd = 0;
	int in_str = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > maxd)
				maxd = depth;
			if (depth > lim->max_depth) {
				json_path_at(s, len, i, path, sizeof path);
				err_set(e, ERR_INVALID, "json.too_deep", path,
					"JSON nesting is deeper than %zu", lim->max_depth);
				return NULL;
			}
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
	}
	json_error_t je;
	json_t *v = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		size_t p = je.position > 0 ? (size_t)je.position : 0;
		json_path_at(s, len, p, path, sizeof path);
		err_set(e, ERR_INVALID, "json.malformed", path, "malformed JSON at byte %zu: %s", p, je.text);
		return NULL;
	}
	struct buf pb = BUF_INIT(4096);
	buf_adds(&pb, "$");
	int rc = walk(v, lim, 0, &pb, e);
	buf_free(&pb);
	if (rc) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* JSON path of a top-level field, for error reports. */
static const char *fp(const char *key)
{
	static _Thread_local char p[96];
	snprintf(p, sizeof p, "$.%.80s", key);
	return p;
}

static json_t *field(json_t *obj, const char *key, int required, int *rc, struct err *e)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	*rc = 0;
	if (!v || json_is_null(v)) {
		if (required)
			*rc = err_set(e, ERR_INVALID, "field.required", fp(key), "%s is required", key);
		else
			*rc = 1;
		return NULL;
	}
	return v;
}

int json_get_str(json_t *obj, const char *key, int required, size_t min_len, size_t max_len,
		 const char **out, struct err *e)
{
	int rc;
	json_t *v = field(obj, key, required, &rc, e);
	if (!v)
		return rc;
	if (!json_is_string(v))
		return err_set(e, ERR_INVALID, "field.type", fp(key), "%s must be a string", key);
	size_t n = json_string_length(v);
	if (n > max_len)
		return err_set(e, ERR_INVALID, "field.too_long", fp(key), "%s is longer than %zu bytes", key, max_len);
	if (n < min_len)
		return err_set(e, ERR_INVALID, "field.too_short", fp(key), "%s is shorter than %zu", key, min_len);
	if (memchr(json_string_value(v), '\0', n))
		return err_set(e, ERR_INVALID, "field.invalid", fp(key), "%s contains a NUL character", key);
	*out = json_string_value(v);
	return 0;
}

int json_get_int(json_t *obj, const char *key, int required, long long min, long long max,
		 long long *out, struct err *e)
{
	int rc;
	json_t *v = field(obj, key, required, &rc, e);
	if (!v)
		return rc;
	if (!json_is_integer(v))
		return err_set(e, ERR_INVALID, "field.type", fp(key), "%s must be an integer", key);
	long long n = json_integer_value(v);
	if (n < min || n > max)
		return err_set(e, ERR_INVALID, "field.range", fp(key), "%s must be between %lld and %lld", key, min, max);
	*out = n;
	return 0;
}

int json_get_bool(json_t *obj, const char *key, int required, int *out, struct err *e)
{
	int rc;
	json_t *v = field(obj, key, required, &rc, e);
	if (!v)
		return rc;
	if (!json_is_boolean(v))
		return err_set(e, ERR_INVALID, "field.type", fp(key), "%s must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

int json_only_keys(json_t *obj, const char *const *keys, struct err *e)
{
	if (!json_is_object(obj))
		return err_set(e, ERR_INVALID, "json.not_object", "$", "the body must be a JSON object");
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		int ok = 0;
		for (const char *const *p = keys; *p; p++)
			if (strcmp(*p, k) == 0)
				ok = 1;
		if (!ok)
			return err_set(e, ERR_INVALID, "field.unknown", fp(k), "unknown field %.60s", k);
	}
	return 0;
}

char *json_dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		abort();
	return s;
}

/* ---- jw: streaming writer -------------------------------------------- */

#include "base/time.h"

static void comma(struct jw *w)
{
	if (w->need_comma)
		buf_add(w->b, ",", 1);
	w->need_comma = 1;
}

void jw_begin_obj(struct jw *w)
{
	comma(w);
	buf_add(w->b, "{", 1);
	w->need_comma = 0;
}

void jw_end_obj(struct jw *w)
{
	buf_add(w->b, "}", 1);
	w->need_comma = 1;
}

void jw_begin_arr(struct jw *w)
{
	comma(w);
	buf_add(w->b, "[", 1);
	w->need_comma = 0;
}

void jw_end_arr(struct jw *w)
{
	buf_add(w->b, "]", 1);
	w->need_comma = 1;
}

void jw_key(struct jw *w, const char *k)
{
	comma(w);
	buf_add(w->b, "\"", 1);
	buf_adds(w->b, k);
	buf_add(w->b, "\":", 2);
	w->need_comma = 0;
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	comma(w);
	static const char hex[] = "0123456789abcdef";
	buf_add(w->b, "\"", 1);
	const char *run = s;
	for (const char *p = s;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(w->b, run, (size_t)(p - run));
		if (!c)
			break;
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			buf_add(w->b, esc, 2);
		} else if (c == '\n') {
			buf_add(w->b, "\\n", 2);
		} else {
			buf_add(w->b, esc, 6);
		}
		run = p + 1;
	}
	buf_add(w->b, "\"", 1);
}

void jw_int(struct jw *w, long long v)
{
	comma(w);
	char tmp[24];
	int i = sizeof tmp;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	buf_add(w->b, tmp + i, sizeof tmp - (size_t)i);
}

void jw_null(struct jw *w)
{
	comma(w);
	buf_add(w->b, "null", 4);
}

void jw_time(struct jw *w, long long ms)
{
	if (!ms) {
		jw_null(w);
		return;
	}
	char t[40];
	time_fmt_rfc3339(ms, t, sizeof t);
	comma(w);
	buf_add(w->b, "\"", 1);
	buf_adds(w->b, t);
	buf_add(w->b, "\"", 1);
}
