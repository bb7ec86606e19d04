/* fuzz_multipart: libFuzzer over the incremental multipart parser. The
 * first input byte picks a chunk size; the rest is the body, parsed once
 * whole and once in chunks of that size. Both parses must agree exactly
 * (parts, names, file names, data, the error code), so a boundary split
 * across reads can never change what is understood. Seeds: tests/fuzz/
 * seeds/multipart; run with `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "http/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a parse saw, as one transcript. */
struct seen {
	struct buf log;
	int open;
};

static int on_begin(void *ctx, const struct mp_part *p, struct err *e)
{
	struct seen *s = ctx;
	(void)e;
	if (s->open)
		abort(); /* begin inside a part */
	s->open = 1;
	buf_addf(&s->log, "[%s|%s|%d|%s]", p->name, p->filename, p->has_filename, p->content_type);
	return 0;
}

static int on_data(void *ctx, const char *p, size_t n, struct err *e)
{
	struct seen *s = ctx;
	(void)e;
	if (!s->open || n == 0)
		abort(); /* data outside a part, or an empty call */
	buf_add(&s->log, p, n);
	return 0;
}

static int on_end(void *ctx, struct err *e)
{
	struct seen *s = ctx;
	(void)e;
	if (!s->open)
		abort();
	s->open = 0;
	buf_adds(&s->log, "[end]");
	return 0;
}

static const struct mp_handler h = {on_begin, on_data, on_end};

static int parse(const char *body, size_t n, size_t step, struct seen *s, struct err *e)
{
	static struct multipart m; /* large: not on the stack */
	if (mp_init(&m, "multipart/form-data; boundary=\"kanal-fuzz\"", 8, &h, s, e))
		abort();
	for (size_t off = 0; off < n; off += step) {
		size_t k = n - off < step ? n - off : step;
		int rc = mp_feed(&m, body + off, k, e);
		if (rc)
			return rc;
	}
	return mp_finish(&m, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] % 17 + 1;
	const char *body = (const char *)data + 1;
	size_t n = size - 1;
	struct seen a = {BUF_INIT(1 << 24), 0}, b = {BUF_INIT(1 << 24), 0};
	struct err ea, eb;
	err_clear(&ea);
	err_clear(&eb);
	int ra = parse(body, n, n ? n : 1, &a, &ea), rb = parse(body, n, step, &b, &eb);
	/* The same outcome; on success the same transcript. An error may come
	 * at a different point of the data handed on, but never differ in kind. */
	if (ra != rb || strcmp(ea.key, eb.key) != 0)
		abort();
	if (ra == 0 && (a.log.len != b.log.len || memcmp(buf_cstr(&a.log), buf_cstr(&b.log), a.log.len) != 0))
		abort();
	buf_free(&a.log);
	buf_free(&b.log);
	return 0;
}
