/* json: helpers over jansson for parsing hostile request bodies with limits
 * and reading typed fields with precise errors. */
#ifndef KANAL_JSON_H
#define KANAL_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

struct json_limits {
	size_t max_depth;   /* nesting of arrays/objects */
	size_t max_string;  /* bytes in any one string or key */
	size_t max_array;   /* elements in any one array or object */
};
extern const struct json_limits json_default_limits;

/* 1 when s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
 * When invalid and bad_at is non-NULL, *bad_at = offset of the first bad byte. */
int utf8_valid(const char *s, size_t len, size_t *bad_at);

/* Parse a request body. Returns the value (caller decrefs) or NULL with e set:
 * json.invalid_utf8, json.malformed, json.too_deep, json.string_too_long,
 * json.array_too_long (field = JSON path of the spot). */
json_t *json_parse_body(const char *s, size_t len, const struct json_limits *lim, struct err *e);

/* Write into out the JSON path ("$.a.b[2]") of the innermost value around
 * byte pos of s (a best effort on malformed text). */
void json_path_at(const char *s, size_t len, size_t pos, char *out, size_t out_size);

/* Typed field readers on an object. Each returns 0 and sets *out, or a
 * negative code with e set (field.required, field.type, field.too_long,
 * field.too_short, field.invalid). When required is 0 and the field is
 * absent or null, returns 1 and leaves *out untouched. Strings are borrowed
 * from obj. */
int json_get_str(json_t *obj, const char *key, int required, size_t min_len, size_t max_len,
		 const char **out, struct err *e);
int json_get_int(json_t *obj, const char *key, int required, long long min, long long max,
		 long long *out, struct err *e);
int json_get_bool(json_t *obj, const char *key, int required, int *out, struct err *e);
/* Reject keys not in the NULL-terminated list (field.unknown). */
int json_only_keys(json_t *obj, const char *const *keys, struct err *e);

/* Dump compactly; caller frees. */
char *json_dump(const json_t *v);

#endif

/* jw: a streaming JSON writer into a buf, for hot list endpoints where
 * building a jansson tree would cost more than the query. Commas are
 * placed automatically; the caller keeps nesting balanced. */
struct jw {
	struct buf *b;
	int need_comma;
};
void jw_begin_obj(struct jw *w);
void jw_end_obj(struct jw *w);
void jw_begin_arr(struct jw *w);
void jw_end_arr(struct jw *w);
void jw_key(struct jw *w, const char *k); /* k: a plain ASCII literal */
void jw_str(struct jw *w, const char *s); /* escaped; NULL writes null */
void jw_int(struct jw *w, long long v);
void jw_null(struct jw *w);
void jw_time(struct jw *w, long long ms); /* RFC 3339, or null for 0 */
