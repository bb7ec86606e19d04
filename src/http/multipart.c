/* multipart: an incremental multipart/form-data parser. The delimiter
 * "\r\n--boundary" is matched byte by byte across chunk edges; since a
 * boundary may not hold CR, a failed partial match can only restart at the
 * current byte, so the held-back bytes are always a prefix of the
 * delimiter and never need a buffer of their own. */
#include "http/multipart.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"

enum {
	S_PREAMBLE, /* before the first boundary: ignored */
	S_AFTER,    /* just after a boundary: "--", or whitespace and CRLF */
	S_AFTER_CR, /* CR seen after a boundary */
	S_CLOSE,    /* one '-' of the closing "--" seen */
	S_HEADERS,  /* a part's header block */
	S_BODY,	    /* a part's data */
	S_DONE,	    /* after the closing boundary: the epilogue, ignored */
};

#define PAD_MAX 64 /* whitespace allowed after a boundary */

static int malformed(struct err *e, const char *why)
{
	return err_set(e, ERR_INVALID, "multipart.malformed", "", "the multipart body is malformed: %s", why);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 2046 bchars. */
static int is_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("'()+_,-./:=? ", c));
}

/* Read one parameter value at *pp (quoted-string or token) into out;
 * advances *pp. 0, or -1 when malformed or longer than size-1. */
static int param_value(const char **pp, char *out, size_t size)
{
	const char *p = *pp;
	size_t n = 0;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 >= size)
				return -1;
			out[n++] = *p;
		}
		if (*p != '"')
			return -1;
		p++;
	} else {
		for (; *p && *p != ';' && !is_ws(*p); p++) {
			if (n + 1 >= size)
				return -1;
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	*pp = p;
	return 0;
}

/* Walk "; name=value" parameters after a media type or disposition; calls
 * fn for each. 0, or -1 when malformed. */
static int each_param(const char *p, int (*fn)(void *ctx, const char *name, const char *value), void *ctx)
{
	char name[32], value[MP_HEADER_MAX + 1];
	for (;;) {
		while (is_ws(*p))
			p++;
		if (!*p)
			return 0;
		if (*p++ != ';')
			return -1;
		while (is_ws(*p))
			p++;
		size_t n = 0;
		while (*p && *p != '=' && *p != ';' && !is_ws(*p)) {
			if (n + 1 >= sizeof name)
				return -1;
			name[n++] = *p++;
		}
		name[n] = '\0';
		while (is_ws(*p))
			p++;
		if (*p != '=' || !n)
			return -1;
		p++;
		while (is_ws(*p))
			p++;
		if (param_value(&p, value, sizeof value) || fn(ctx, name, value))
			return -1;
	}
}

static int take_boundary(void *ctx, const char *name, const char *value)
{
	if (strcasecmp(name, "boundary") == 0) {
		if (((char *)ctx)[0] || strlen(value) > MP_BOUNDARY_MAX)
			return -1;
		str_copy(ctx, value, MP_BOUNDARY_MAX + 1);
	}
	return 0;
}

int mp_init(struct multipart *m, const char *content_type, int max_parts, const struct mp_handler *h, void *ctx,
	    struct err *e)
{
	memset(m, 0, sizeof *m);
	m->h = h;
	m->ctx = ctx;
	m->max_parts = max_parts;
	const char *ct = content_type ? content_type : "";
	while (is_ws(*ct))
		ct++;
	if (strncasecmp(ct, "multipart/form-data", 19) != 0 || (ct[19] && ct[19] != ';' && !is_ws(ct[19])))
		return err_set(e, ERR_UNSUPPORTED, "request.content_type", "", "send the body as multipart/form-data");
	char b[MP_BOUNDARY_MAX + 1] = "";
	if (each_param(ct + 19, take_boundary, b))
		return err_set(e, ERR_INVALID, "multipart.boundary", "", "the Content-Type parameters are malformed");
	size_t bl = strlen(b);
	if (!bl)
		return err_set(e, ERR_INVALID, "multipart.boundary", "", "the Content-Type has no boundary");
	for (size_t i = 0; i < bl; i++)
		if (!is_bchar(b[i]))
			return err_set(e, ERR_INVALID, "multipart.boundary", "",
				       "the boundary holds a character RFC 2046 does not allow");
	if (b[bl - 1] == ' ')
		return err_set(e, ERR_INVALID, "multipart.boundary", "", "the boundary ends with a space");
	memcpy(m->delim, "\r\n--", 4);
	memcpy(m->delim + 4, b, bl + 1);
	m->dlen = 4 + bl;
	/* The body's first boundary needs no CRLF before it: start as if one
	 * had been seen. */
	m->match = 2;
	m->state = S_PREAMBLE;
	return 0;
}

/* ---- part headers ---------------------------------------------------- */

static int take_disposition(void *ctx, const char *name, const char *value)
{
	struct mp_part *pt = ctx;
	if (strcasecmp(name, "name") == 0) {
		if (pt->name[0] || !value[0] || strlen(value) > MP_NAME_MAX)
			return -1;
		for (const char *c = value; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				return -1;
		str_copy(pt->name, value, sizeof pt->name);
	} else if (strcasecmp(name, "filename") == 0) {
		if (pt->has_filename)
			return -1;
		pt->has_filename = 1;
		size_t n = strlen(value);
		int ok = n <= MP_FILENAME_MAX && utf8_valid(value, n, NULL);
		for (size_t i = 0; ok && i < n; i++)
			if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
				ok = 0;
		/* The name is only shown to people: a bad one is dropped, not fatal. */
		str_copy(pt->filename, ok ? value : "", sizeof pt->filename);
	}
	return 0;
}

static int parse_headers(struct multipart *m, struct mp_part *pt, struct err *e)
{
	memset(pt, 0, sizeof *pt);
	if (memchr(m->hdr, '\0', m->hlen))
		return malformed(e, "a NUL byte in a part's headers");
	m->hdr[m->hlen] = '\0';
	int have_cd = 0;
	char *line = m->hdr;
	for (char *eol; (eol = strstr(line, "\r\n")); line = eol + 2) {
		*eol = '\0';
		if (!*line)
			continue;
		char *colon = strchr(line, ':');
		if (!colon || colon == line)
			return malformed(e, "a part header without a name");
		*colon = '\0';
		char *v = colon + 1;
		while (is_ws(*v))
			v++;
		if (strcasecmp(line, "Content-Disposition") == 0) {
			if (have_cd++)
				return err_set(e, ERR_INVALID, "multipart.part", "",
					       "a part has two Content-Disposition headers");
			if (strncasecmp(v, "form-data", 9) != 0 || (v[9] && v[9] != ';' && !is_ws(v[9])) ||
			    each_param(v + 9, take_disposition, pt))
				return err_set(e, ERR_INVALID, "multipart.part", "",
					       "a part's Content-Disposition must be form-data with one name");
		} else if (strcasecmp(line, "Content-Type") == 0) {
			str_copy(pt->content_type, v, sizeof pt->content_type);
		}
	}
	if (!have_cd || !pt->name[0])
		return err_set(e, ERR_INVALID, "multipart.part", "",
			       "each part needs a Content-Disposition with a name");
	return 0;
}

/* ---- the body -------------------------------------------------------- */

/* Look for the delimiter in p[0..n), handing the bytes before it to the
 * open part (in S_BODY). *used is how far it got: n, or just past a
 * delimiter (the state is then S_AFTER). */
static int scan(struct multipart *m, const char *p, size_t n, size_t *used, struct err *e)
{
	int body = m->state == S_BODY, rc;
	size_t i = 0;
	while (i < n) {
		if (m->match == 0) {
			const char *cr = memchr(p + i, '\r', n - i);
			size_t at = cr ? (size_t)(cr - p) : n;
			if (body && at > i && (rc = m->h->data(m->ctx, p + i, at - i, e)))
				return rc;
			if (!cr)
				break;
			m->match = 1;
			i = at + 1;
			continue;
		}
		if (p[i] == m->delim[m->match]) {
			i++;
			if (++m->match == m->dlen) {
				m->match = 0;
				m->state = S_AFTER;
				m->pad = 0;
				*used = i;
				return body ? m->h->end(m->ctx, e) : 0;
			}
			continue;
		}
		/* Not the delimiter after all: what was held back is data, and
		 * p[i] is looked at again from the start. */
		if (body && (rc = m->h->data(m->ctx, m->delim, m->match, e)))
			return rc;
		m->match = 0;
	}
	*used = n;
	return 0;
}

static int header_byte(struct multipart *m, char c, struct err *e)
{
	if (m->hlen >= MP_HEADER_MAX)
		return err_set(e, ERR_INVALID, "multipart.header_too_large", "",
			       "a part's headers are longer than %d bytes", MP_HEADER_MAX);
	m->hdr[m->hlen++] = c;
	size_t n = m->hlen;
	int end = (n == 2 && memcmp(m->hdr, "\r\n", 2) == 0) || (n >= 4 && memcmp(m->hdr + n - 4, "\r\n\r\n", 4) == 0);
	if (!end)
		return 0;
	struct mp_part pt;
	int rc = parse_headers(m, &pt, e);
	if (rc || (rc = m->h->begin(m->ctx, &pt, e)))
		return rc;
	m->state = S_BODY;
	m->match = 0;
	return 0;
}

static int step(struct multipart *m, const char *p, size_t n, size_t *used, struct err *e)
{
	char c = p[0];
	*used = 1;
	switch (m->state) {
	case S_PREAMBLE:
	case S_BODY:
		return scan(m, p, n, used, e);
	case S_AFTER:
		if (c == '-') {
			m->state = S_CLOSE;
		} else if (c == '\r') {
			m->state = S_AFTER_CR;
		} else if (!is_ws(c) || ++m->pad > PAD_MAX) {
			return malformed(e, "a boundary is followed by something other than CRLF or --");
		}
		return 0;
	case S_CLOSE:
		if (c != '-')
			return malformed(e, "a boundary is followed by a single -");
		m->state = S_DONE;
		return 0;
	case S_AFTER_CR:
		if (c != '\n')
			return malformed(e, "a boundary is followed by CR without LF");
		if (++m->parts > m->max_parts)
			return err_set(e, ERR_INVALID, "multipart.too_many_parts", "", "at most %d parts",
				       m->max_parts);
		m->hlen = 0;
		m->state = S_HEADERS;
		return 0;
	case S_HEADERS:
		return header_byte(m, c, e);
	default: /* S_DONE: the epilogue is ignored */
		*used = n;
		return 0;
	}
}

int mp_feed(struct multipart *m, const char *p, size_t n, struct err *e)
{
	if (m->failed)
		return malformed(e, "the body was refused already");
	while (n) {
		size_t used;
		int rc = step(m, p, n, &used, e);
		if (rc) {
			m->failed = 1;
			return rc;
		}
		p += used;
		n -= used;
	}
	return 0;
}

int mp_finish(struct multipart *m, struct err *e)
{
	if (m->failed)
		return malformed(e, "the body was refused already");
	if (m->state != S_DONE)
		return err_set(e, ERR_INVALID, "multipart.truncated", "",
			       m->state == S_PREAMBLE ? "the body holds no boundary"
						      : "the body ends before its closing boundary");
	return 0;
}
