/* test_multipart: the incremental multipart/form-data parser — the same
 * understanding however the body is cut into reads (every split point,
 * byte by byte), and a stable error for each malformation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "http/multipart.h"

/* What the handler saw, as one transcript: "[name|filename]data[end]". */
struct seen {
	struct buf log;
	int fail_on_begin; /* the handler refuses the nth part (1-based) */
	int parts;
};

static int on_begin(void *ctx, const struct mp_part *p, struct err *e)
{
	struct seen *s = ctx;
	if (++s->parts == s->fail_on_begin)
		return err_set(e, ERR_INVALID, "test.refused", "", "refused");
	buf_addf(&s->log, "[%s|%s%s|%s]", p->name, p->has_filename ? "f:" : "", p->filename, p->content_type);
	return 0;
}

static int on_data(void *ctx, const char *p, size_t n, struct err *e)
{
	(void)e;
	struct seen *s = ctx;
	assert_true(n > 0);
	buf_add(&s->log, p, n);
	return 0;
}

static int on_end(void *ctx, struct err *e)
{
	(void)e;
	buf_adds(&((struct seen *)ctx)->log, "[end]");
	return 0;
}

static const struct mp_handler handler = {on_begin, on_data, on_end};
static struct multipart mp; /* large: not on the stack */

/* Parse body in reads of step bytes (0: whole); the error key or "" and
 * the transcript. */
static const char *parse(const char *ct, const char *body, size_t n, size_t step, int max_parts, struct seen *s)
{
	static struct err e;
	err_clear(&e);
	buf_reset(&s->log);
	s->parts = 0;
	if (mp_init(&mp, ct, max_parts, &handler, s, &e))
		return e.key;
	if (!step)
		step = n ? n : 1;
	for (size_t off = 0; off < n; off += step)
		if (mp_feed(&mp, body + off, n - off < step ? n - off : step, &e))
			return e.key;
	return mp_finish(&mp, &e) ? e.key : "";
}

#define CT "multipart/form-data; boundary=XyZ"
static const char body2[] = "--XyZ\r\n"
			    "Content-Disposition: form-data; name=\"file\"; filename=\"a b.png\"\r\n"
			    "Content-Type: image/png\r\n"
			    "\r\n"
			    "\x89PNG\r\n\r\n--Xy\r\n-- data\r\n"
			    "--XyZ\r\n"
			    "content-disposition: form-data; name=alt_text\r\n"
			    "\r\n"
			    "A view\r\n"
			    "--XyZ--\r\n"
			    "epilogue --XyZ ignored";
static const char want2[] = "[file|f:a b.png|image/png]\x89PNG\r\n\r\n--Xy\r\n-- data[end][alt_text||]A view[end]";

static void test_whole_body(void **state)
{
	(void)state;
	struct seen s = {BUF_INIT(0), 0, 0};
	assert_string_equal(parse(CT, body2, sizeof body2 - 1, 0, 8, &s), "");
	assert_string_equal(buf_cstr(&s.log), want2);
	buf_free(&s.log);
}

static void test_every_split_point_and_byte_by_byte(void **state)
{
	(void)state;
	struct seen s = {BUF_INIT(0), 0, 0};
	size_t n = sizeof body2 - 1;
	for (size_t cut = 1; cut < n; cut++) {
		err_clear(NULL);
		struct err e;
		buf_reset(&s.log);
		s.parts = 0;
		assert_int_equal(mp_init(&mp, CT, 8, &handler, &s, &e), 0);
		assert_int_equal(mp_feed(&mp, body2, cut, &e), 0);
		assert_int_equal(mp_feed(&mp, body2 + cut, n - cut, &e), 0);
		assert_int_equal(mp_finish(&mp, &e), 0);
		assert_string_equal(buf_cstr(&s.log), want2);
	}
	for (size_t step = 1; step < 12; step++) {
		assert_string_equal(parse(CT, body2, n, step, 8, &s), "");
		assert_string_equal(buf_cstr(&s.log), want2);
	}
	buf_free(&s.log);
}

static void test_preamble_quoted_boundary_and_padding(void **state)
{
	(void)state;
	struct seen s = {BUF_INIT(0), 0, 0};
	static const char b[] =
	    "a preamble\r\n--a:b=c \t\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a:b=c--";
	assert_string_equal(parse("Multipart/Form-Data; charset=utf-8; boundary=\"a:b=c\"", b, sizeof b - 1, 3, 8, &s),
			    "");
	assert_string_equal(buf_cstr(&s.log), "[x||]1[end]");
	/* A part with no data at all. */
	static const char empty[] = "--q\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--q--";
	assert_string_equal(parse("multipart/form-data;boundary=q", empty, sizeof empty - 1, 0, 8, &s), "");
	assert_string_equal(buf_cstr(&s.log), "[e||][end]");
	buf_free(&s.log);
}

static void test_content_type_errors(void **state)
{
	(void)state;
	struct seen s = {BUF_INIT(0), 0, 0};
	assert_string_equal(parse("application/json", "", 0, 0, 8, &s), "request.content_type");
	assert_string_equal(parse(NULL, "", 0, 0, 8, &s), "request.content_type");
	assert_string_equal(parse("multipart/form-datax; boundary=a", "", 0, 0, 8, &s), "request.content_type");
	assert_string_equal(parse("multipart/form-data", "", 0, 0, 8, &s), "multipart.boundary");
	assert_string_equal(parse("multipart/form-data; boundary=", "", 0, 0, 8, &s), "multipart.boundary");
	assert_string_equal(parse("multipart/form-data; boundary=\"a", "", 0, 0, 8, &s), "multipart.boundary");
	assert_string_equal(parse("multipart/form-data; boundary=a\rb", "", 0, 0, 8, &s), "multipart.boundary");
	assert_string_equal(parse("multipart/form-data; boundary=\"ab \"", "", 0, 0, 8, &s), "multipart.boundary");
	assert_string_equal(parse("multipart/form-data; boundary=a; boundary=b", "", 0, 0, 8, &s),
			    "multipart.boundary");
	char longb[120] = "multipart/form-data; boundary=";
	memset(longb + strlen(longb), 'x', 71);
	assert_string_equal(parse(longb, "", 0, 0, 8, &s), "multipart.boundary");
	buf_free(&s.log);
}

static void test_body_errors(void **state)
{
	(void)state;
	struct seen s = {BUF_INIT(0), 0, 0};
	const char *ct = "multipart/form-data; boundary=b";
#define P(body, max) parse(ct, body, sizeof body - 1, 0, max, &s)
	assert_string_equal(P("", 8), "multipart.truncated");
	assert_string_equal(P("no boundary here", 8), "multipart.truncated");
	assert_string_equal(P("--b\r\nContent-Disposition: form-data; name=x\r\n\r\nhalf", 8), "multipart.truncated");
	assert_string_equal(P("--bX\r\n", 8), "multipart.malformed");
	assert_string_equal(P("--b-x", 8), "multipart.malformed");
	assert_string_equal(P("--b\rx", 8), "multipart.malformed");
	assert_string_equal(P("--b\r\n\r\nx\r\n--b--", 8), "multipart.part");
	assert_string_equal(P("--b\r\nContent-Disposition: attachment; name=x\r\n\r\nx\r\n--b--", 8), "multipart.part");
	assert_string_equal(P("--b\r\nContent-Disposition: form-data; name=x; name=y\r\n\r\nx\r\n--b--", 8),
			    "multipart.part");
	assert_string_equal(P("--b\r\nContent-Disposition: form-data; filename=a\r\n\r\nx\r\n--b--", 8),
			    "multipart.part");
	assert_string_equal(P("--b\r\nContent-Disposition: form-data; name=\"x\r\n\r\nx\r\n--b--", 8),
			    "multipart.part");
	assert_string_equal(P("--b\r\nno colon\r\n\r\nx\r\n--b--", 8), "multipart.malformed");
	assert_string_equal(
	    P("--b\r\nContent-Disposition: form-data; name=x\r\nContent-Disposition: form-data; name=y\r\n\r\n--b--",
	      8),
	    "multipart.part");
	assert_string_equal(P("--b\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--b\r\n"
			      "Content-Disposition: form-data; name=b\r\n\r\n\r\n--b\r\n"
			      "Content-Disposition: form-data; name=c\r\n\r\n\r\n--b--",
			      2),
			    "multipart.too_many_parts");
	static const char nul[] = "--b\r\nContent-Disposition: form-data; name=x\r\nX: a\0b\r\n\r\nx\r\n--b--";
	assert_string_equal(parse(ct, nul, sizeof nul - 1, 0, 8, &s), "multipart.malformed");
	/* Headers past the cap, fed in small reads. */
	struct buf big = BUF_INIT(0);
	buf_adds(&big, "--b\r\nContent-Disposition: form-data; name=x\r\nX-Pad: ");
	for (int i = 0; i < MP_HEADER_MAX; i++)
		buf_adds(&big, "y");
	buf_adds(&big, "\r\n\r\nx\r\n--b--");
	assert_string_equal(parse(ct, buf_cstr(&big), big.len, 7, 8, &s), "multipart.header_too_large");
	buf_free(&big);
	/* A bad file name is dropped, not fatal. */
	assert_string_equal(
	    P("--b\r\nContent-Disposition: form-data; name=f; filename=\"a\xff.png\"\r\n\r\nx\r\n--b--", 8), "");
	assert_string_equal(buf_cstr(&s.log), "[f|f:|]x[end]");
	/* The handler's refusal stops the parse, and later reads fail too. */
	s.fail_on_begin = 1;
	assert_string_equal(P("--b\r\nContent-Disposition: form-data; name=x\r\n\r\nx\r\n--b--", 8), "test.refused");
	struct err e;
	assert_int_not_equal(mp_feed(&mp, "x", 1, &e), 0);
	assert_int_not_equal(mp_finish(&mp, &e), 0);
#undef P
	buf_free(&s.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_body),
	    cmocka_unit_test(test_every_split_point_and_byte_by_byte),
	    cmocka_unit_test(test_preamble_quoted_boundary_and_padding),
	    cmocka_unit_test(test_content_type_errors),
	    cmocka_unit_test(test_body_errors),
	};
	return cmocka_run_group_tests_name("multipart", tests, NULL, NULL);
}
