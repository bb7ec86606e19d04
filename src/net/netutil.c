/* netutil: see netutil.h. */
#include "net/netutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

const char *net_jstr(json_t *o, const char *k)
{
	json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

void net_vset(struct net_result *r, enum net_outcome o, const char *code, const char *fmt, va_list ap)
{
	r->outcome = o;
	str_copy(r->code, code, sizeof r->code);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
}

void net_set(struct net_result *r, enum net_outcome o, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	net_vset(r, o, code, fmt, ap);
	va_end(ap);
}

void net_clean_message(const char *m, const char *const *secrets, size_t n, char *out, size_t size)
{
	struct buf b = BUF_INIT(1024);
	for (const char *c = m; c && *c && b.len < 200;) {
		size_t hit = 0;
		for (size_t i = 0; i < n && !hit; i++) {
			size_t tl = secrets[i] ? strlen(secrets[i]) : 0;
			if (tl >= 4 && strncmp(c, secrets[i], tl) == 0)
				hit = tl;
		}
		if (hit) {
			buf_adds(&b, "[redacted]");
			c += hit;
			continue;
		}
		char ch = (*c >= 0x20 && *c < 0x7f) ? *c : ' ';
		buf_add(&b, &ch, 1);
		c++;
	}
	str_copy(out, buf_cstr(&b), size);
	buf_free(&b);
}

int net_read_file(const char *path, size_t max, struct buf *out, char *msg, size_t msize)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(msg, msize, "cannot open the image: %s", strerror(errno));
		return -1;
	}
	out->max = max;
	char chunk[65536];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf_add(out, chunk, n) != 0) {
			snprintf(msg, msize, "the image is larger than the network takes (%zu bytes)", max);
			rc = -2;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(msg, msize, "cannot read the image: %s", strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}

void net_bearer_do(const struct net_bearer_req *q, struct http_response *rs)
{
	struct buf url = BUF_INIT(0), auth = BUF_INIT(0), ct = BUF_INIT(0);
	if (q->base)
		buf_add(&url, q->base, q->base_len);
	buf_adds(&url, q->path);
	buf_addf(&auth, "Authorization: Bearer %s", q->token ? q->token : "");
	const char *headers[16];
	size_t nh = 0;
	headers[nh++] = buf_cstr(&auth);
	for (size_t i = 0; q->headers && q->headers[i] && nh < 14; i++)
		headers[nh++] = q->headers[i];
	if (q->ctype) {
		buf_addf(&ct, "Content-Type: %s", q->ctype);
		headers[nh++] = buf_cstr(&ct);
	}
	headers[nh] = NULL;
	struct http_request rq = {
	    .method = q->method,
	    .url = buf_cstr(&url),
	    .headers = headers,
	    .body = q->body,
	    .body_len = q->body ? q->body_len : 0,
	    .timeout_ms = q->timeout_ms,
	    .max_response = q->max_response,
	};
	http_client_do(&rq, rs);
	if (auth.ptr)
		sodium_memzero(auth.ptr, auth.len); /* the bearer header is wiped before the memory goes back */
	buf_free(&auth);
	buf_free(&ct);
	buf_free(&url);
}
