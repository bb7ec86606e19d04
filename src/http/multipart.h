/* multipart: an incremental multipart/form-data parser (RFC 7578, RFC
 * 2046 section 5.1) for uploads streamed to disk. The body arrives in
 * chunks of any size, each part's data is handed on as it arrives and is
 * never held whole. Hostile input is expected: boundaries split across
 * chunks, missing or repeated boundaries, huge header blocks, many parts. */
#ifndef KANAL_MULTIPART_H
#define KANAL_MULTIPART_H

#include <stddef.h>

#include "base/err.h"

#define MP_BOUNDARY_MAX 70 /* RFC 2046 */
#define MP_HEADER_MAX 4096 /* one part's header block */
#define MP_NAME_MAX 64
#define MP_FILENAME_MAX 255 /* bytes */

/* One part as its headers describe it. */
struct mp_part {
	char name[MP_NAME_MAX + 1];	    /* Content-Disposition name */
	char filename[MP_FILENAME_MAX + 1]; /* "" when absent */
	int has_filename;
	char content_type[128]; /* as declared, "" when absent */
};

/* What the parser calls. Each returns 0 to go on, or a negative error code
 * with e set to stop the parse (the error is then mp_feed's). */
struct mp_handler {
	int (*begin)(void *ctx, const struct mp_part *p, struct err *e);
	int (*data)(void *ctx, const char *p, size_t n, struct err *e);
	int (*end)(void *ctx, struct err *e);
};

struct multipart {
	const struct mp_handler *h;
	void *ctx;
	char delim[4 + MP_BOUNDARY_MAX + 1]; /* "\r\n--" boundary */
	size_t dlen;
	size_t match; /* bytes of delim matched so far */
	int state;
	int parts, max_parts;
	int pad; /* whitespace after a boundary */
	size_t hlen;
	char hdr[MP_HEADER_MAX + 1];
	int failed;
};

/* Start a parse of a body whose Content-Type is content_type. 0, or
 * request.content_type (415) when it is not multipart/form-data, or
 * multipart.boundary (400) when its boundary is missing or malformed. */
int mp_init(struct multipart *m, const char *content_type, int max_parts, const struct mp_handler *h, void *ctx,
	    struct err *e);
/* Feed the next n bytes. 0, or an error (multipart.malformed,
 * multipart.header_too_large, multipart.part, multipart.too_many_parts,
 * or the handler's); after an error every later call fails the same way. */
int mp_feed(struct multipart *m, const char *p, size_t n, struct err *e);
/* The body is complete: 0 when it ended with the closing boundary, else
 * multipart.truncated. */
int mp_finish(struct multipart *m, struct err *e);

#endif
