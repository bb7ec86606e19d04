/* test_base: buffers, arenas, the error table, integer parsing, UTF-8,
 * bounded JSON parsing and typed field readers, RFC 3339 and time zones,
 * and the crypto helpers. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/json.h"
#include "base/time.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- buf ------------------------------------------------------------- */

static void test_buf_append(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	assert_null(b.ptr);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_add(&b, "abc", 3), 0);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.ptr, "abc");
	assert_int_equal(buf_adds(&b, "-def"), 0);
	assert_int_equal(b.len, 7);
	assert_string_equal(buf_cstr(&b), "abc-def");
	/* Zero bytes: no change, still terminated. */
	assert_int_equal(buf_add(&b, "zzz", 0), 0);
	assert_int_equal(b.len, 7);
	assert_string_equal(b.ptr, "abc-def");
	/* Binary data with a NUL inside. */
	assert_int_equal(buf_add(&b, "x\0y", 3), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.ptr, "abc-defx\0y", 11);
	assert_true(b.cap > b.len);
	/* Growth across many appends keeps every byte. */
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_add(&b, "0123456789", 10), 0);
	assert_int_equal(b.len, 10000);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.ptr[i], '0' + (int)(i % 10));
	assert_int_equal(b.ptr[b.len], '\0');
	buf_free(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	/* Reusable after free. */
	assert_int_equal(buf_adds(&b, "again"), 0);
	assert_string_equal(b.ptr, "again");
	buf_free(&b);
}

static void test_buf_printf(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	assert_int_equal(buf_addf(&b, "%d-%s-%05.1f", 42, "x", 3.14159), 0);
	assert_string_equal(b.ptr, "42-x-003.1");
	assert_int_equal(b.len, strlen("42-x-003.1"));
	assert_int_equal(buf_addf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_addf(&b, "|%lld|", -9223372036854775807LL - 1), 0);
	assert_string_equal(b.ptr, "42-x-003.1|-9223372036854775808|");
	/* Long output grows the buffer. */
	buf_reset(&b);
	assert_int_equal(buf_addf(&b, "%0500d", 7), 0);
	assert_int_equal(b.len, 500);
	assert_int_equal(b.ptr[0], '0');
	assert_int_equal(b.ptr[499], '7');
	buf_free(&b);
}

static void test_buf_cap_leaves_buffer_unchanged(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(8);
	assert_int_equal(buf_adds(&b, "hello"), 0);
	assert_int_equal(buf_adds(&b, "1234"), ERR_TOOLARGE);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.ptr, "hello");
	assert_int_equal(buf_addf(&b, "%s", "abcd"), ERR_TOOLARGE);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.ptr, "hello");
	assert_int_equal(buf_addf(&b, "%d", 123456), ERR_TOOLARGE);
	assert_string_equal(b.ptr, "hello");
	/* Exactly up to the cap is fine. */
	assert_int_equal(buf_adds(&b, "abc"), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.ptr, "helloabc");
	assert_int_equal(buf_add(&b, "x", 1), ERR_TOOLARGE);
	assert_string_equal(b.ptr, "helloabc");
	/* A length that would overflow size_t is refused, not wrapped. */
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), ERR_TOOLARGE);
	assert_int_equal(b.len, 8);
	buf_free(&b);
	/* A first append past the cap leaves the buffer empty. */
	struct buf c = BUF_INIT(3);
	assert_int_equal(buf_adds(&c, "abcd"), ERR_TOOLARGE);
	assert_int_equal(c.len, 0);
	assert_string_equal(buf_cstr(&c), "");
	buf_free(&c);
}

static void test_buf_steal(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	assert_int_equal(buf_adds(&b, "kanal"), 0);
	char *s = buf_steal(&b);
	assert_string_equal(s, "kanal");
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_string_equal(buf_cstr(&b), "");
	free(s);
	/* Stealing an empty buffer gives a fresh "" to free. */
	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* The buffer works again after a steal. */
	assert_int_equal(buf_adds(&b, "x"), 0);
	assert_string_equal(b.ptr, "x");
	buf_free(&b);
}

static void test_str_helpers(void **state)
{
	(void)state;
	char small[4];
	assert_int_equal(str_copy(small, "abcdef", sizeof small), 6);
	assert_string_equal(small, "abc");
	assert_int_equal(str_copy(small, "ab", sizeof small), 2);
	assert_string_equal(small, "ab");
	assert_int_equal(str_copy(small, "", sizeof small), 0);
	assert_string_equal(small, "");
	small[0] = 'q';
	assert_int_equal(str_copy(small, "zz", 0), 2);
	assert_int_equal(small[0], 'q');
	assert_true(str_starts("kanal_abc", "kanal_"));
	assert_true(str_starts("abc", ""));
	assert_false(str_starts("kana", "kanal_"));
	assert_false(str_starts("Kanal_", "kanal_"));
	char *d = xstrndup("abcdef", 3);
	assert_string_equal(d, "abc");
	free(d);
	d = xstrdup("");
	assert_string_equal(d, "");
	free(d);
}

/* ---- arena ----------------------------------------------------------- */

static void test_arena_alignment_and_many_allocations(void **state)
{
	(void)state;
	struct arena a = {0};
	enum { N = 3000 };
	unsigned char **p = xcalloc(N, sizeof *p);
	size_t *sz = xcalloc(N, sizeof *sz);
	for (int i = 0; i < N; i++) {
		sz[i] = (size_t)(i * 37 % 300);
		if (i % 500 == 7)
			sz[i] = 10000; /* larger than a chunk */
		p[i] = arena_alloc(&a, sz[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % alignof(max_align_t), 0);
		memset(p[i], i & 0xff, sz[i]);
	}
	/* No allocation overlapped another: each still holds its pattern. */
	for (int i = 0; i < N; i++)
		for (size_t k = 0; k < sz[i]; k++)
			if (p[i][k] != (unsigned char)(i & 0xff))
				fail_msg("allocation %d byte %zu was overwritten", i, k);
	assert_true(a.total >= 9000 * 37 / 300);
	/* Zero bytes still get a distinct, aligned pointer. */
	void *z1 = arena_alloc(&a, 0), *z2 = arena_alloc(&a, 0);
	assert_ptr_not_equal(z1, z2);
	assert_int_equal((uintptr_t)z1 % alignof(max_align_t), 0);
	size_t before = a.total;
	arena_alloc(&a, 1);
	assert_int_equal(a.total - before, alignof(max_align_t));
	arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
	/* Reusable after free. */
	char *s = arena_strdup(&a, "again");
	assert_string_equal(s, "again");
	arena_free(&a);
	free(p);
	free(sz);
}

static void test_arena_strings(void **state)
{
	(void)state;
	struct arena a = {0};
	char *s = arena_strdup(&a, "Furra e Lagjes");
	assert_string_equal(s, "Furra e Lagjes");
	char *n = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(n, "abc");
	char *e = arena_strdup(&a, "");
	assert_string_equal(e, "");
	char *f = arena_printf(&a, "%s:%d:%c", "ws", 12, 'x');
	assert_string_equal(f, "ws:12:x");
	char *big = arena_printf(&a, "%05000d", 1);
	assert_int_equal(strlen(big), 5000);
	assert_int_equal(big[4999], '1');
	/* Earlier strings are intact after later allocations. */
	assert_string_equal(s, "Furra e Lagjes");
	assert_string_equal(n, "abc");
	assert_string_equal(f, "ws:12:x");
	arena_free(&a);
}

/* ---- err ------------------------------------------------------------- */

static void test_err_table(void **state)
{
	(void)state;
	static const struct {
		int code, status;
		const char *key, *title;
	} want[] = {
	    {ERR_OK, 200, "ok", "OK"},
	    {ERR_INVALID, 400, "invalid", "Bad Request"},
	    {ERR_UNAUTH, 401, "auth.required", "Unauthorized"},
	    {ERR_FORBIDDEN, 403, "forbidden", "Forbidden"},
	    {ERR_NOTFOUND, 404, "not_found", "Not Found"},
	    {ERR_METHOD, 405, "method_not_allowed", "Method Not Allowed"},
	    {ERR_CONFLICT, 409, "conflict", "Conflict"},
	    {ERR_TOOLARGE, 413, "too_large", "Content Too Large"},
	    {ERR_UNSUPPORTED, 415, "unsupported_media_type", "Unsupported Media Type"},
	    {ERR_RATELIMIT, 429, "rate_limited", "Too Many Requests"},
	    {ERR_DB, 500, "internal.db", "Internal Server Error"},
	    {ERR_INTERNAL, 500, "internal", "Internal Server Error"},
	    {ERR_UPSTREAM, 502, "upstream", "Bad Gateway"},
	    {ERR_IO, 500, "internal.io", "Internal Server Error"},
	    {ERR_UNAVAILABLE, 503, "unavailable", "Service Unavailable"},
	};
	/* Every code from ERR_OK down to ERR_MIN is in the table. */
	assert_int_equal(LEN(want), (size_t)(-ERR_MIN + 1));
	for (size_t i = 0; i < LEN(want); i++) {
		assert_int_equal(err_http_status(want[i].code), want[i].status);
		assert_string_equal(err_default_key(want[i].code), want[i].key);
		assert_string_equal(err_title(want[i].code), want[i].title);
	}
	/* Unknown codes are internal errors. */
	int unknown[] = {ERR_MIN - 1, -99, 1, 400};
	for (size_t i = 0; i < LEN(unknown); i++) {
		assert_int_equal(err_http_status(unknown[i]), 500);
		assert_string_equal(err_default_key(unknown[i]), "internal");
		assert_string_equal(err_title(unknown[i]), "Internal Server Error");
	}
}

static void test_err_set(void **state)
{
	(void)state;
	struct err e;
	err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.key, "");
	assert_int_equal(err_set(&e, ERR_CONFLICT, "member.exists", "$.email", "already %s", "there"), ERR_CONFLICT);
	assert_int_equal(e.code, ERR_CONFLICT);
	assert_string_equal(e.key, "member.exists");
	assert_string_equal(e.field, "$.email");
	assert_string_equal(e.msg, "already there");
	/* NULL key: the code's default; NULL field: "". */
	assert_int_equal(err_set(&e, ERR_NOTFOUND, NULL, NULL, "gone"), ERR_NOTFOUND);
	assert_string_equal(e.key, "not_found");
	assert_string_equal(e.field, "");
	assert_string_equal(e.msg, "gone");
	/* NULL e: just the code. */
	assert_int_equal(err_set(NULL, ERR_DB, NULL, "", "x"), ERR_DB);
	/* Over-long parts are truncated, still terminated. */
	char longkey[200];
	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	err_set(&e, ERR_INVALID, longkey, longkey, "%s%s", longkey, longkey);
	assert_int_equal(strlen(e.key), sizeof e.key - 1);
	assert_int_equal(strlen(e.field), sizeof e.field - 1);
	assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
	err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
	err_clear(NULL);
}

/* ---- str_to_i64 ------------------------------------------------------ */

static void test_str_to_i64(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		long long v;
	} good[] = {
	    {"0", 0},
	    {"-0", 0},
	    {"+5", 5},
	    {"42", 42},
	    {"-17", -17},
	    {"007", 7},
	    {"9223372036854775807", 9223372036854775807LL},
	    {"-9223372036854775808", -9223372036854775807LL - 1},
	};
	for (size_t i = 0; i < LEN(good); i++) {
		long long v = 12345;
		assert_int_equal(str_to_i64(good[i].s, &v), 0);
		assert_true(v == good[i].v);
	}
	static const char *const bad[] = {
	    "",
	    "-",
	    "+",
	    " 1",
	    "1 ",
	    "12a",
	    "a12",
	    "1.5",
	    "1e3",
	    "0x10",
	    "--1",
	    "+-1",
	    "-+1",
	    "\t1",
	    "1\n",
	    "٣",
	    "9223372036854775808",
	    "-9223372036854775809",
	    "99999999999999999999999",
	};
	for (size_t i = 0; i < LEN(bad); i++) {
		long long v = 12345;
		if (str_to_i64(bad[i], &v) != -1)
			fail_msg("\"%s\" parsed", bad[i]);
		assert_true(v == 12345); /* untouched on failure */
	}
	long long v = 1;
	assert_int_equal(str_to_i64(NULL, &v), -1);
	assert_true(v == 1);
}

/* ---- UTF-8 ----------------------------------------------------------- */

static int valid(const char *s, size_t len, size_t *bad)
{
	*bad = (size_t)-1;
	return utf8_valid(s, len, bad);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	size_t bad;
	static const char *const ok[] = {
	    "",
	    "plain ascii",
	    "Furra e Lagjes \xc3\xab \xc3\xa7 \xc3\x8b \xc3\x87", /* ë ç Ë Ç */
	    "\xc2\x80",						  /* U+0080 */
	    "\xdf\xbf",						  /* U+07FF */
	    "\xe0\xa0\x80",					  /* U+0800 */
	    "\xed\x9f\xbf",					  /* U+D7FF, below the surrogates */
	    "\xee\x80\x80",					  /* U+E000, above them */
	    "\xef\xbf\xbf",					  /* U+FFFF */
	    "\xf0\x90\x80\x80",					  /* U+10000 */
	    "\xf0\x9f\x98\x80",					  /* 😀 */
	    "hi \xf0\x9f\x8d\x9e!",				  /* 🍞 in text */
	    "\xf4\x8f\xbf\xbf",					  /* U+10FFFF */
	};
	for (size_t i = 0; i < LEN(ok); i++) {
		if (!valid(ok[i], strlen(ok[i]), &bad))
			fail_msg("valid case %zu refused at %zu", i, bad);
		assert_int_equal(bad, (size_t)-1); /* untouched when valid */
	}
	/* An embedded NUL is a valid code point. */
	assert_true(valid("a\0b", 3, &bad));

	static const struct {
		const char *s;
		size_t at;
	} no[] = {
	    {"\xc0\x80", 0},		     /* overlong NUL */
	    {"\xc1\xbf", 0},		     /* overlong 2-byte */
	    {"ab\xe0\x80\x80", 2},	     /* overlong 3-byte NUL */
	    {"\xe0\x9f\xbf", 0},	     /* overlong U+07FF */
	    {"\xf0\x80\x80\x80", 0},	     /* overlong 4-byte */
	    {"\xf0\x8f\xbf\xbf", 0},	     /* overlong U+FFFF */
	    {"x\xed\xa0\x80", 1},	     /* U+D800 */
	    {"\xed\xbf\xbf", 0},	     /* U+DFFF */
	    {"\xed\xa0\xbd\xed\xb8\x80", 0}, /* CESU-8 surrogate pair */
	    {"\xf4\x90\x80\x80", 0},	     /* U+110000 */
	    {"\xf5\x80\x80\x80", 0},	     /* lead byte past U+10FFFF */
	    {"\xf7\xbf\xbf\xbf", 0},
	    {"\xf8\x88\x80\x80\x80", 0}, /* 5-byte form */
	    {"\xff", 0},
	    {"\xfe", 0},
	    {"abc\x80", 3}, /* lone continuation byte */
	    {"\xbf", 0},
	    {"ab\xe2\x82", 2},	 /* truncated € at the end */
	    {"\xf0\x9f\x98", 0}, /* truncated emoji */
	    {"\xf0\x9f", 0},
	    {"\xc3", 0},     /* truncated ë */
	    {"\xc3\x41", 0}, /* continuation missing ("A") */
	    {"\xe2\x82\x41", 0},
	    {"\xf0\x9f\x98\x41", 0},
	    {"\xc3\xab\xc0\x80", 2}, /* bad_at counts bytes, not characters */
	    {"\xf0\x9f\x98\x80\xff", 4},
	};
	for (size_t i = 0; i < LEN(no); i++) {
		if (valid(no[i].s, strlen(no[i].s), &bad))
			fail_msg("invalid case %zu accepted", i);
		if (bad != no[i].at)
			fail_msg("invalid case %zu: bad_at %zu, want %zu", i, bad, no[i].at);
	}
	/* A length cutting a valid sequence makes it truncated. */
	assert_false(valid("\xf0\x9f\x98\x80", 3, &bad));
	assert_int_equal(bad, 0);
	assert_true(valid("\xf0\x9f\x98\x80", 4, &bad));
	/* bad_at may be NULL. */
	assert_false(utf8_valid("\xff", 1, NULL));
	assert_true(utf8_valid("ok", 2, NULL));
}

/* ---- JSON ------------------------------------------------------------ */

static json_t *parse(const char *s, const struct json_limits *lim, struct err *e)
{
	err_clear(e);
	return json_parse_body(s, strlen(s), lim, e);
}

static void expect_parse_error(const char *s, const struct json_limits *lim, const char *key, const char *field)
{
	struct err e;
	json_t *v = parse(s, lim, &e);
	if (v) {
		json_decref(v);
		fail_msg("parsed: %s", s);
	}
	assert_int_equal(e.code, ERR_INVALID);
	if (strcmp(e.key, key) != 0 || strcmp(e.field, field) != 0)
		fail_msg("%s: got %s at %s, want %s at %s", s, e.key, e.field, key, field);
	assert_true(e.msg[0] != '\0');
}

static void test_json_parse_valid(void **state)
{
	(void)state;
	struct err e;
	json_t *v = parse("{\"name\": \"Furra e Lagjes \xc3\xab\", \"n\": 3, \"list\": [1, {\"a\": null}], \"s\": "
			  "\"[[[{{{\\\"\"}",
			  NULL, &e);
	assert_non_null(v);
	assert_int_equal(e.code, 0);
	assert_string_equal(json_string_value(json_object_get(v, "name")), "Furra e Lagjes \xc3\xab");
	assert_int_equal(json_integer_value(json_object_get(v, "n")), 3);
	assert_int_equal(json_array_size(json_object_get(v, "list")), 2);
	assert_string_equal(json_string_value(json_object_get(v, "s")), "[[[{{{\"");
	json_decref(v);
	/* Non-objects parse too (the caller decides). */
	v = parse("[1, 2]", NULL, &e);
	assert_true(json_is_array(v));
	json_decref(v);
}

static void test_json_parse_malformed_names_the_field(void **state)
{
	(void)state;
	expect_parse_error("", NULL, "json.malformed", "$");
	expect_parse_error("{", NULL, "json.malformed", "$");
	expect_parse_error("not json", NULL, "json.malformed", "$");
	expect_parse_error("{\"name\": \"x\",}", NULL, "json.malformed", "$");
	expect_parse_error("{\"name\": tru}", NULL, "json.malformed", "$.name");
	expect_parse_error("{\"a\": 1, \"b\": {\"c\": [1, 2, x]}}", NULL, "json.malformed", "$.b.c[2]");
	/* Junk after a value is reported at the member it follows. */
	expect_parse_error("{\"a\": [1, 2] 3}", NULL, "json.malformed", "$.a");
	/* jansson refuses \u0000 in strings: a NUL never reaches a C string. */
	expect_parse_error("{\"name\": \"a\\u0000b\"}", NULL, "json.malformed", "$.name");
	expect_parse_error("{\"a\": \"unterminated}", NULL, "json.malformed", "$.a");
	/* Duplicate keys are refused, not silently merged. */
	expect_parse_error("{\"role\": \"owner\", \"role\": \"analyst\"}", NULL, "json.malformed", "$.role");
	expect_parse_error("{\"a\": {\"x\": 1, \"x\": 2}}", NULL, "json.malformed", "$.a.x");
}

static void test_json_parse_invalid_utf8_names_the_field(void **state)
{
	(void)state;
	expect_parse_error("{\"name\": \"ab\xff\"}", NULL, "json.invalid_utf8", "$.name");
	expect_parse_error("{\"email\": \"a@b.al\", \"name\": \"\xc0\x80\"}", NULL, "json.invalid_utf8", "$.name");
	expect_parse_error("{\"a\": {\"b\": \"\xed\xa0\x80\"}}", NULL, "json.invalid_utf8", "$.a.b");
	expect_parse_error("{\"list\": [\"ok\", \"\xf4\x90\x80\x80\"]}", NULL, "json.invalid_utf8", "$.list[1]");
	expect_parse_error("\xff", NULL, "json.invalid_utf8", "$");
	/* A truncated sequence at the very end. */
	expect_parse_error("{\"name\": \"\xf0\x9f\x98", NULL, "json.invalid_utf8", "$.name");
	/* Valid emoji parse. */
	struct err e;
	json_t *v = parse("{\"name\": \"\xf0\x9f\x8d\x9e\"}", NULL, &e);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "name")), "\xf0\x9f\x8d\x9e");
	json_decref(v);
}

static char *nested(int depth)
{
	struct buf b = BUF_INIT(0);
	for (int i = 0; i < depth; i++)
		buf_adds(&b, "[");
	buf_adds(&b, "1");
	for (int i = 0; i < depth; i++)
		buf_adds(&b, "]");
	return buf_steal(&b);
}

static void test_json_parse_depth_limit(void **state)
{
	(void)state;
	struct err e;
	assert_int_equal(json_default_limits.max_depth, 32);
	char *s = nested(32);
	json_t *v = parse(s, NULL, &e);
	assert_non_null(v);
	json_decref(v);
	free(s);
	s = nested(33);
	v = parse(s, NULL, &e);
	assert_null(v);
	assert_string_equal(e.key, "json.too_deep");
	assert_int_equal(e.code, ERR_INVALID);
	free(s);
	/* Deep enough to hurt a recursive parser: refused before parsing. */
	s = nested(100000);
	v = parse(s, NULL, &e);
	assert_null(v);
	assert_string_equal(e.key, "json.too_deep");
	free(s);
	/* Custom limits, and the path of the spot. */
	struct json_limits lim = {3, 100, 100};
	v = parse("{\"a\": {\"b\": [1]}}", &lim, &e);
	assert_non_null(v);
	json_decref(v);
	expect_parse_error("{\"a\": {\"b\": [[1]]}}", &lim, "json.too_deep", "$.a.b[0]");
	/* Brackets inside strings do not count. */
	v = parse("[\"[[[[[[[[[[\"]", &lim, &e);
	assert_non_null(v);
	json_decref(v);
}

static void test_json_parse_string_limit(void **state)
{
	(void)state;
	struct err e;
	struct json_limits lim = {32, 10, 100};
	json_t *v = parse("{\"s\": \"0123456789\"}", &lim, &e);
	assert_non_null(v);
	json_decref(v);
	expect_parse_error("{\"s\": \"0123456789a\"}", &lim, "json.string_too_long", "$.s");
	expect_parse_error("{\"a\": {\"list\": [\"x\", \"0123456789ab\"]}}", &lim, "json.string_too_long",
			   "$.a.list[1]");
	expect_parse_error("{\"0123456789abc\": 1}", &lim, "json.string_too_long", "$");
	/* The limit is in bytes: five 2-byte letters fit, six do not. */
	v = parse("[\"\xc3\xab\xc3\xab\xc3\xab\xc3\xab\xc3\xab\"]", &lim, &e);
	assert_non_null(v);
	json_decref(v);
	expect_parse_error("[\"\xc3\xab\xc3\xab\xc3\xab\xc3\xab\xc3\xab\xc3\xab\"]", &lim, "json.string_too_long",
			   "$[0]");
	/* Default: 64 KiB. */
	assert_int_equal(json_default_limits.max_string, 65536);
	struct buf b = BUF_INIT(0);
	buf_adds(&b, "{\"s\": \"");
	for (int i = 0; i < 65536; i++)
		buf_add(&b, "x", 1);
	buf_adds(&b, "\"}");
	v = json_parse_body(b.ptr, b.len, NULL, &e);
	assert_non_null(v);
	json_decref(v);
	buf_reset(&b);
	buf_adds(&b, "{\"s\": \"");
	for (int i = 0; i < 65537; i++)
		buf_add(&b, "x", 1);
	buf_adds(&b, "\"}");
	err_clear(&e);
	v = json_parse_body(b.ptr, b.len, NULL, &e);
	assert_null(v);
	assert_string_equal(e.key, "json.string_too_long");
	assert_string_equal(e.field, "$.s");
	buf_free(&b);
}

static void test_json_parse_array_limit(void **state)
{
	(void)state;
	struct err e;
	struct json_limits lim = {32, 100, 3};
	json_t *v = parse("{\"a\": [1, 2, 3], \"b\": 1, \"c\": 2}", &lim, &e);
	assert_non_null(v);
	json_decref(v);
	expect_parse_error("{\"a\": [1, 2, 3, 4]}", &lim, "json.array_too_long", "$.a");
	expect_parse_error("{\"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4}", &lim, "json.array_too_long", "$");
	expect_parse_error("[[1], [1, 2, 3, 4]]", &lim, "json.array_too_long", "$[1]");
	assert_int_equal(json_default_limits.max_array, 10000);
}

static void test_json_path_at(void **state)
{
	(void)state;
	char p[128];
	const char *s = "{\"a\": {\"b\": [10, 20, 30]}, \"c\": \"x\"}";
	size_t len = strlen(s);
	json_path_at(s, len, 0, p, sizeof p);
	assert_string_equal(p, "$");
	json_path_at(s, len, (size_t)(strstr(s, "30") - s), p, sizeof p);
	assert_string_equal(p, "$.a.b[2]");
	json_path_at(s, len, (size_t)(strstr(s, "10") - s), p, sizeof p);
	assert_string_equal(p, "$.a.b[0]");
	json_path_at(s, len, (size_t)(strstr(s, "\"x\"") - s), p, sizeof p);
	assert_string_equal(p, "$.c");
	/* Past the end is clamped. */
	json_path_at(s, len, len + 100, p, sizeof p);
	assert_string_equal(p, "$");
	/* Escaped quotes inside keys and values do not end the string. */
	const char *q = "{\"k\\\"ey\": \"v\\\"al\", \"n\": [1, 2]}";
	json_path_at(q, strlen(q), (size_t)(strstr(q, "2]") - q), p, sizeof p);
	assert_string_equal(p, "$.n[1]");
	/* A small output buffer keeps the whole components that fit. */
	char tiny[5];
	json_path_at(s, len, (size_t)(strstr(s, "30") - s), tiny, sizeof tiny);
	assert_string_equal(tiny, "$.a");
}

static json_t *obj(const char *s)
{
	json_error_t je;
	json_t *v = json_loads(s, JSON_ALLOW_NUL, &je);
	if (!v)
		fail_msg("test JSON %s: %s", s, je.text);
	return v;
}

static void expect_field_error(int rc, const struct err *e, const char *key, const char *field)
{
	assert_int_equal(rc, ERR_INVALID);
	assert_int_equal(e->code, ERR_INVALID);
	assert_string_equal(e->key, key);
	assert_string_equal(e->field, field);
}

static void test_json_get_str(void **state)
{
	(void)state;
	json_t *o = obj("{\"name\": \"Mira\", \"n\": 5, \"nul\": null, \"empty\": \"\", \"zero\": \"a\\u0000b\"}");
	struct err e;
	const char *s = "untouched";
	err_clear(&e);
	assert_int_equal(json_get_str(o, "name", 1, 1, 100, &s, &e), 0);
	assert_string_equal(s, "Mira");
	assert_int_equal(e.code, 0);
	/* optional and absent or null: 1, out untouched */
	s = "untouched";
	assert_int_equal(json_get_str(o, "missing", 0, 1, 100, &s, &e), 1);
	assert_string_equal(s, "untouched");
	assert_int_equal(json_get_str(o, "nul", 0, 1, 100, &s, &e), 1);
	assert_string_equal(s, "untouched");
	assert_int_equal(e.code, 0);
	/* required */
	expect_field_error(json_get_str(o, "missing", 1, 1, 100, &s, &e), &e, "field.required", "$.missing");
	err_clear(&e);
	expect_field_error(json_get_str(o, "nul", 1, 1, 100, &s, &e), &e, "field.required", "$.nul");
	err_clear(&e);
	/* type */
	expect_field_error(json_get_str(o, "n", 1, 1, 100, &s, &e), &e, "field.type", "$.n");
	err_clear(&e);
	expect_field_error(json_get_str(o, "n", 0, 1, 100, &s, &e), &e, "field.type", "$.n");
	err_clear(&e);
	/* length, in bytes */
	expect_field_error(json_get_str(o, "name", 1, 1, 3, &s, &e), &e, "field.too_long", "$.name");
	err_clear(&e);
	assert_int_equal(json_get_str(o, "name", 1, 4, 4, &s, &e), 0);
	expect_field_error(json_get_str(o, "name", 1, 5, 10, &s, &e), &e, "field.too_short", "$.name");
	err_clear(&e);
	expect_field_error(json_get_str(o, "empty", 1, 1, 10, &s, &e), &e, "field.too_short", "$.empty");
	err_clear(&e);
	assert_int_equal(json_get_str(o, "empty", 1, 0, 10, &s, &e), 0);
	assert_string_equal(s, "");
	/* An embedded NUL (from a tree not built by json_parse_body) would
	 * truncate a C string: refused. */
	expect_field_error(json_get_str(o, "zero", 1, 0, 10, &s, &e), &e, "field.invalid", "$.zero");
	err_clear(&e);
	/* Not an object: the field is missing. */
	json_t *arr = obj("[1]");
	expect_field_error(json_get_str(arr, "name", 1, 0, 10, &s, &e), &e, "field.required", "$.name");
	json_decref(arr);
	json_decref(o);
}

static void test_json_get_int_and_bool(void **state)
{
	(void)state;
	json_t *o = obj("{\"days\": 30, \"neg\": -1, \"str\": \"5\", \"real\": 1.5, \"t\": true, \"f\": false, "
			"\"one\": 1, \"nul\": null}");
	struct err e;
	long long n = 77;
	err_clear(&e);
	assert_int_equal(json_get_int(o, "days", 1, 0, 3650, &n, &e), 0);
	assert_true(n == 30);
	n = 77;
	assert_int_equal(json_get_int(o, "missing", 0, 0, 10, &n, &e), 1);
	assert_int_equal(json_get_int(o, "nul", 0, 0, 10, &n, &e), 1);
	assert_true(n == 77);
	expect_field_error(json_get_int(o, "missing", 1, 0, 10, &n, &e), &e, "field.required", "$.missing");
	err_clear(&e);
	expect_field_error(json_get_int(o, "str", 1, 0, 10, &n, &e), &e, "field.type", "$.str");
	err_clear(&e);
	expect_field_error(json_get_int(o, "real", 1, 0, 10, &n, &e), &e, "field.type", "$.real");
	err_clear(&e);
	expect_field_error(json_get_int(o, "days", 1, 0, 29, &n, &e), &e, "field.range", "$.days");
	err_clear(&e);
	expect_field_error(json_get_int(o, "neg", 1, 0, 29, &n, &e), &e, "field.range", "$.neg");
	err_clear(&e);
	assert_true(n == 77);
	assert_int_equal(json_get_int(o, "days", 1, 30, 30, &n, &e), 0);
	assert_true(n == 30);

	int b = 7;
	assert_int_equal(json_get_bool(o, "t", 1, &b, &e), 0);
	assert_int_equal(b, 1);
	assert_int_equal(json_get_bool(o, "f", 1, &b, &e), 0);
	assert_int_equal(b, 0);
	b = 7;
	assert_int_equal(json_get_bool(o, "missing", 0, &b, &e), 1);
	assert_int_equal(b, 7);
	expect_field_error(json_get_bool(o, "missing", 1, &b, &e), &e, "field.required", "$.missing");
	err_clear(&e);
	expect_field_error(json_get_bool(o, "one", 1, &b, &e), &e, "field.type", "$.one");
	err_clear(&e);
	expect_field_error(json_get_bool(o, "str", 0, &b, &e), &e, "field.type", "$.str");
	assert_int_equal(b, 7);
	json_decref(o);
}

static void test_json_only_keys(void **state)
{
	(void)state;
	static const char *const keys[] = {"email", "password", NULL};
	struct err e;
	json_t *o = obj("{\"email\": \"a@b.al\", \"password\": \"x\"}");
	err_clear(&e);
	assert_int_equal(json_only_keys(o, keys, &e), 0);
	assert_int_equal(e.code, 0);
	json_decref(o);
	o = obj("{}");
	assert_int_equal(json_only_keys(o, keys, &e), 0);
	json_decref(o);
	o = obj("{\"email\": \"a@b.al\", \"admin\": true}");
	expect_field_error(json_only_keys(o, keys, &e), &e, "field.unknown", "$.admin");
	json_decref(o);
	err_clear(&e);
	/* Keys are compared exactly. */
	o = obj("{\"Email\": \"a@b.al\"}");
	expect_field_error(json_only_keys(o, keys, &e), &e, "field.unknown", "$.Email");
	json_decref(o);
	err_clear(&e);
	o = obj("[\"email\"]");
	expect_field_error(json_only_keys(o, keys, &e), &e, "json.not_object", "$");
	json_decref(o);
}

static void test_json_dump(void **state)
{
	(void)state;
	json_t *o = obj("{\"a\": [1, \"\xc3\xab\"]}");
	char *s = json_dump(o);
	assert_string_equal(s, "{\"a\":[1,\"\xc3\xab\"]}");
	free(s);
	json_decref(o);
}

/* ---- time ------------------------------------------------------------ */

static void test_time_format(void **state)
{
	(void)state;
	char out[40];
	time_fmt_rfc3339(0, out, sizeof out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	time_fmt_rfc3339(1795984852123LL, out, sizeof out);
	assert_string_equal(out, "2026-11-29T20:40:52.123Z");
	time_fmt_rfc3339(1709164800000LL, out, sizeof out);
	assert_string_equal(out, "2024-02-29T00:00:00.000Z");
	time_fmt_rfc3339(951825600007LL, out, sizeof out);
	assert_string_equal(out, "2000-02-29T12:00:00.007Z");
	time_fmt_rfc3339(253402300799999LL, out, sizeof out);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	/* Before the epoch: floor, not truncation. */
	time_fmt_rfc3339(-1, out, sizeof out);
	assert_string_equal(out, "1969-12-31T23:59:59.999Z");
	time_fmt_rfc3339(-1000, out, sizeof out);
	assert_string_equal(out, "1969-12-31T23:59:59.000Z");
	/* A short buffer is truncated and terminated. */
	char small[11];
	time_fmt_rfc3339(0, small, sizeof small);
	assert_string_equal(small, "1970-01-01");
}

static int64_t parse_ok(const char *s)
{
	int64_t ms = -42;
	if (time_parse_rfc3339(s, &ms) != 0)
		fail_msg("refused: %s", s);
	return ms;
}

static void test_time_parse_round_trip(void **state)
{
	(void)state;
	const int64_t samples[] = {0,
				   1,
				   999,
				   1795984852123LL,
				   1709164800000LL,
				   951825600000LL,
				   1774746000000LL,
				   4102444799999LL, /* 2099-12-31T23:59:59.999Z */
				   253402300799999LL};
	char out[40];
	for (size_t i = 0; i < LEN(samples); i++) {
		time_fmt_rfc3339(samples[i], out, sizeof out);
		assert_true(parse_ok(out) == samples[i]);
	}
	/* A sweep over days and times of several years. */
	for (int64_t ms = 946684800000LL; ms < 1893456000000LL; ms += 86400000LL * 7 + 3600123) {
		time_fmt_rfc3339(ms, out, sizeof out);
		if (parse_ok(out) != ms)
			fail_msg("%s did not round-trip", out);
	}
}

static void test_time_parse_offsets_and_fractions(void **state)
{
	(void)state;
	int64_t z = 1795984852000LL; /* 2026-11-29T20:40:52Z */
	assert_true(parse_ok("2026-11-29T20:40:52Z") == z);
	assert_true(parse_ok("2026-11-29t20:40:52z") == z);
	assert_true(parse_ok("2026-11-29T21:40:52+01:00") == z);
	assert_true(parse_ok("2026-11-29T15:10:52-05:30") == z);
	assert_true(parse_ok("2026-11-30T00:40:52+04:00") == z); /* crosses midnight */
	assert_true(parse_ok("2026-11-29T20:40:52+00:00") == z);
	assert_true(parse_ok("2026-11-29T20:40:52-00:00") == z);
	assert_true(parse_ok("2026-11-29T20:40:52.1Z") == z + 100);
	assert_true(parse_ok("2026-11-29T20:40:52.12Z") == z + 120);
	assert_true(parse_ok("2026-11-29T20:40:52.123Z") == z + 123);
	assert_true(parse_ok("2026-11-29T20:40:52.123456789Z") == z + 123); /* truncated to ms */
	assert_true(parse_ok("2026-11-29T20:40:52.000Z") == z);
	assert_true(parse_ok("2026-11-29T21:40:52.5+01:00") == z + 500);
	/* A leap second is taken as :59. */
	assert_true(parse_ok("2016-12-31T23:59:60Z") == parse_ok("2016-12-31T23:59:59Z"));
	/* Leap years. */
	assert_true(parse_ok("2024-02-29T00:00:00Z") == 1709164800000LL);
	assert_true(parse_ok("2000-02-29T12:00:00Z") == 951825600000LL);
	assert_true(parse_ok("2024-03-01T00:00:00Z") - parse_ok("2024-02-28T00:00:00Z") == 2 * 86400000LL);
	assert_true(parse_ok("2026-03-01T00:00:00Z") - parse_ok("2026-02-28T00:00:00Z") == 86400000LL);
	assert_true(parse_ok("2026-12-31T00:00:00Z") - parse_ok("2026-01-01T00:00:00Z") == 364 * 86400000LL);
	assert_true(parse_ok("2024-12-31T00:00:00Z") - parse_ok("2024-01-01T00:00:00Z") == 365 * 86400000LL);
}

static void test_time_parse_rejects_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "2026-11-29",
	    "2026-11-29T20:40Z",
	    "2026-11-29 20:40:52Z",
	    "2026-11-29T20:40:52",   /* no zone */
	    "2026-11-29T20:40:52.Z", /* empty fraction */
	    "2026-11-29T20:40:52ZZ", /* junk after */
	    "2026-11-29T20:40:52Z ",
	    "2026-11-29T20:40:52+01",	/* short offset */
	    "2026-11-29T20:40:52+0100", /* no colon */
	    "2026-11-29T20:40:52+24:00",
	    "2026-11-29T20:40:52+01:60",
	    "2026-11-29T20:40:52+01:00x",
	    "2026-02-29T00:00:00Z", /* not a leap year */
	    "1900-02-29T00:00:00Z", /* divisible by 100, not by 400 */
	    "2024-02-30T00:00:00Z",
	    "2026-04-31T00:00:00Z",
	    "2026-06-31T00:00:00Z",
	    "2026-09-31T00:00:00Z",
	    "2026-11-31T00:00:00Z",
	    "2026-01-32T00:00:00Z",
	    "2026-00-10T00:00:00Z",
	    "2026-13-01T00:00:00Z",
	    "2026-01-00T00:00:00Z",
	    "2026-01-01T24:00:00Z",
	    "2026-01-01T23:60:00Z",
	    "2026-01-01T23:59:61Z",
	    "20a6-01-01T00:00:00Z",
	    "2026/01/01T00:00:00Z",
	    "2026-1-01T00:00:00Z",
	    "+2026-01-01T00:00:00Z",
	    "2026-01-01T00:00:00\xc3\xab",
	};
	for (size_t i = 0; i < LEN(bad); i++) {
		int64_t ms = -42;
		if (time_parse_rfc3339(bad[i], &ms) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_true(ms == -42);
	}
}

static void test_time_zones(void **state)
{
	(void)state;
	assert_true(time_zone_valid("Europe/Tirane"));
	assert_true(time_zone_valid("UTC"));
	assert_true(time_zone_valid("Europe/Rome"));
	assert_true(time_zone_valid("America/New_York"));
	assert_false(time_zone_valid("Mars/Olympus"));
	assert_false(time_zone_valid(""));
	assert_false(time_zone_valid(NULL));
	assert_false(time_zone_valid("europe/tirane_x"));
	assert_false(time_zone_valid("../../etc/passwd"));
	char longname[100];
	memset(longname, 'A', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_false(time_zone_valid(longname));

	int off = 12345;
	/* 2026-01-15T12:00Z: CET */
	assert_int_equal(time_zone_offset("Europe/Tirane", 1768478400000LL, &off), 0);
	assert_int_equal(off, 3600);
	/* 2026-07-15T12:00Z: CEST */
	assert_int_equal(time_zone_offset("Europe/Tirane", 1784116800000LL, &off), 0);
	assert_int_equal(off, 7200);
	/* The change on 2026-03-29 at 01:00Z, and back on 2026-10-25 at 01:00Z. */
	assert_int_equal(time_zone_offset("Europe/Tirane", 1774746000000LL - 60000, &off), 0);
	assert_int_equal(off, 3600);
	assert_int_equal(time_zone_offset("Europe/Tirane", 1774746000000LL + 60000, &off), 0);
	assert_int_equal(off, 7200);
	assert_int_equal(time_zone_offset("Europe/Tirane", 1792890000000LL - 60000, &off), 0);
	assert_int_equal(off, 7200);
	assert_int_equal(time_zone_offset("Europe/Tirane", 1792890000000LL + 60000, &off), 0);
	assert_int_equal(off, 3600);
	assert_int_equal(time_zone_offset("UTC", 1784116800000LL, &off), 0);
	assert_int_equal(off, 0);
	/* 2026-07-15T12:00Z in New York: EDT */
	assert_int_equal(time_zone_offset("America/New_York", 1784116800000LL, &off), 0);
	assert_int_equal(off, -4 * 3600);
	off = 12345;
	assert_int_equal(time_zone_offset("Mars/Olympus", 1784116800000LL, &off), -1);
	assert_int_equal(off, 12345);
}

static void test_clocks(void **state)
{
	(void)state;
	int64_t now = time_now_ms();
	assert_true(now > 1767225600000LL); /* after 2026-01-01 */
	int64_t a = time_mono_ns(), b = time_mono_ns();
	assert_true(b >= a);
}

/* ---- crypto ---------------------------------------------------------- */

static int url_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

static void test_crypto_tokens(void **state)
{
	(void)state;
	assert_int_equal(crypto_init(), 0);
	enum { N = 200 };
	static char tok[N][64];
	for (int i = 0; i < N; i++) {
		crypto_token("kanal_", 32, tok[i], sizeof tok[i]);
		assert_int_equal(strncmp(tok[i], "kanal_", 6), 0);
		/* 32 bytes -> 43 base64url characters, no padding */
		assert_int_equal(strlen(tok[i]), 6 + 43);
		assert_true(url_safe(tok[i] + 6));
		for (int k = 0; k < i; k++)
			assert_string_not_equal(tok[i], tok[k]);
	}
	char t[64];
	crypto_token("", 24, t, sizeof t);
	assert_int_equal(strlen(t), 32);
	assert_true(url_safe(t));
	crypto_token("r-", 12, t, sizeof t);
	assert_int_equal(strlen(t), 2 + 16);
	assert_int_equal(strncmp(t, "r-", 2), 0);
	/* Exactly the documented size is enough: prefix + 43 + NUL. */
	char exact[6 + 43 + 1];
	crypto_token("kanal_", 32, exact, sizeof exact);
	assert_int_equal(strlen(exact), 6 + 43);
	/* crypto_random fills bytes (two draws of 32 bytes do not collide). */
	unsigned char r1[32] = {0}, r2[32] = {0};
	crypto_random(r1, sizeof r1);
	crypto_random(r2, sizeof r2);
	assert_memory_not_equal(r1, r2, sizeof r1);
}

static int lower_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static void test_crypto_hash_hex(void **state)
{
	(void)state;
	assert_int_equal(crypto_init(), 0);
	char a[65], b[65], c[65];
	crypto_hash_hex("kanal", 5, a);
	crypto_hash_hex("kanal", 5, b);
	assert_true(lower_hex(a, 64));
	assert_string_equal(a, b);
	/* BLAKE2b-256, unkeyed */
	assert_string_equal(a, "0f68254785db419ed27a414c97e39c8662de03fc0e27a3e4fbca60c518f9d826");
	crypto_hash_hex("", 0, c);
	assert_string_equal(c, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
	crypto_hash_hex("kanaL", 5, c);
	assert_string_not_equal(a, c);
	/* Only len bytes count. */
	crypto_hash_hex("kanal-and-more", 5, c);
	assert_string_equal(a, c);
	char hex[9];
	crypto_hex("\x00\x01\xab\xff", 4, hex);
	assert_string_equal(hex, "0001abff");
}

static void test_crypto_passwords(void **state)
{
	(void)state;
	assert_int_equal(crypto_init(), 0);
	char h1[128], h2[128];
	assert_int_equal(crypto_password_hash("drita-demo-2026", h1), 0);
	assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
	assert_int_equal(crypto_password_verify(h1, "drita-demo-2026"), 1);
	assert_int_equal(crypto_password_verify(h1, "drita-demo-2027"), 0);
	assert_int_equal(crypto_password_verify(h1, ""), 0);
	assert_int_equal(crypto_password_verify(h1, "Drita-demo-2026"), 0);
	/* Salted: the same password hashes differently, and both verify. */
	assert_int_equal(crypto_password_hash("drita-demo-2026", h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(crypto_password_verify(h2, "drita-demo-2026"), 1);
	/* No hash (unknown user, or no password set): always 0. */
	assert_int_equal(crypto_password_verify(NULL, "drita-demo-2026"), 0);
	assert_int_equal(crypto_password_verify(NULL, "kanal-dummy-password-for-timing"), 0);
	assert_int_equal(crypto_password_verify("", "anything"), 0);
	/* A garbage hash never verifies. */
	assert_int_equal(crypto_password_verify("not-a-hash", "not-a-hash"), 0);
	/* Non-ASCII passwords. */
	assert_int_equal(crypto_password_hash("fjal\xc3\xabkalim-\xc3\xa7"
					      "el\xc3\xabs",
					      h1),
			 0);
	assert_int_equal(crypto_password_verify(h1, "fjal\xc3\xabkalim-\xc3\xa7"
						    "el\xc3\xabs"),
			 1);
	assert_int_equal(crypto_password_verify(h1, "fjalekalim-celes"), 0);
}

static void test_crypto_compare(void **state)
{
	(void)state;
	assert_int_equal(crypto_init(), 0);
	assert_int_equal(crypto_streq("abc", "abc"), 1);
	assert_int_equal(crypto_streq("", ""), 1);
	assert_int_equal(crypto_streq("abc", "abd"), 0);
	assert_int_equal(crypto_streq("abc", "ab"), 0);
	assert_int_equal(crypto_streq("ab", "abc"), 0);
	assert_int_equal(crypto_streq("", "a"), 0);
	assert_int_equal(crypto_streq("Abc", "abc"), 0);
	assert_int_equal(crypto_equal("abcd", "abcd", 4), 1);
	assert_int_equal(crypto_equal("abcd", "abce", 4), 0);
	assert_int_equal(crypto_equal("abcd", "abce", 3), 1);
}

/* Signed tokens: a round trip gives the payload back; a changed payload,
 * a changed MAC, another purpose, another master key, a missing dot or a
 * payload too long for the caller's buffer are all refused. */
static void test_crypto_signed_tokens(void **state)
{
	(void)state;
	assert_int_equal(crypto_init(), 0);
	assert_int_equal(crypto_set_master_key("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"), 0);
	char tok[200], out[100], bad[200];
	assert_int_equal(crypto_token_sign("test purpose", "v1.7.42.1900000000000", tok, sizeof tok), 0);
	assert_non_null(strchr(tok, '.'));
	assert_int_equal(crypto_token_open("test purpose", tok, out, sizeof out), 0);
	assert_string_equal(out, "v1.7.42.1900000000000");
	assert_int_equal(crypto_token_open("other purpose", tok, out, sizeof out), -1);
	assert_string_equal(out, "");
	str_copy(bad, tok, sizeof bad);
	bad[1] = bad[1] == 'A' ? 'B' : 'A'; /* the payload */
	assert_int_equal(crypto_token_open("test purpose", bad, out, sizeof out), -1);
	str_copy(bad, tok, sizeof bad);
	size_t n = strlen(bad);
	bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A'; /* the MAC */
	assert_int_equal(crypto_token_open("test purpose", bad, out, sizeof out), -1);
	assert_int_equal(crypto_token_open("test purpose", "no-dot-here", out, sizeof out), -1);
	assert_int_equal(crypto_token_open("test purpose", tok, out, 8), -1); /* does not fit */
	assert_int_equal(crypto_token_sign("test purpose", "v1.7.42.1900000000000", tok, 20), -1);
	char again[200];
	assert_int_equal(crypto_token_sign("test purpose", "v1.7.42.1900000000000", again, sizeof again), 0);
	assert_int_equal(crypto_set_master_key("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"), 0);
	assert_int_equal(crypto_token_open("test purpose", again, out, sizeof out), -1); /* another key */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_append),
	    cmocka_unit_test(test_buf_printf),
	    cmocka_unit_test(test_buf_cap_leaves_buffer_unchanged),
	    cmocka_unit_test(test_buf_steal),
	    cmocka_unit_test(test_str_helpers),
	    cmocka_unit_test(test_arena_alignment_and_many_allocations),
	    cmocka_unit_test(test_arena_strings),
	    cmocka_unit_test(test_err_table),
	    cmocka_unit_test(test_err_set),
	    cmocka_unit_test(test_str_to_i64),
	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_json_parse_valid),
	    cmocka_unit_test(test_json_parse_malformed_names_the_field),
	    cmocka_unit_test(test_json_parse_invalid_utf8_names_the_field),
	    cmocka_unit_test(test_json_parse_depth_limit),
	    cmocka_unit_test(test_json_parse_string_limit),
	    cmocka_unit_test(test_json_parse_array_limit),
	    cmocka_unit_test(test_json_path_at),
	    cmocka_unit_test(test_json_get_str),
	    cmocka_unit_test(test_json_get_int_and_bool),
	    cmocka_unit_test(test_json_only_keys),
	    cmocka_unit_test(test_json_dump),
	    cmocka_unit_test(test_time_format),
	    cmocka_unit_test(test_time_parse_round_trip),
	    cmocka_unit_test(test_time_parse_offsets_and_fractions),
	    cmocka_unit_test(test_time_parse_rejects_invalid),
	    cmocka_unit_test(test_time_zones),
	    cmocka_unit_test(test_clocks),
	    cmocka_unit_test(test_crypto_tokens),
	    cmocka_unit_test(test_crypto_hash_hex),
	    cmocka_unit_test(test_crypto_passwords),
	    cmocka_unit_test(test_crypto_compare),
	    cmocka_unit_test(test_crypto_signed_tokens),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
