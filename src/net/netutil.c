/* netutil: see netutil.h. */
#include "net/netutil.h"

#include "base/time.h"

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

json_t *net_progress(struct net_account *a, const char *field, const char *key, int create, size_t max,
		     int64_t ttl_ms)
{
	json_t *all = json_is_object(a->state) ? json_object_get(a->state, field) : NULL;
	json_t *p = json_is_object(all) ? json_object_get(all, key) : NULL;
	if (json_is_object(p) || !create)
		return json_is_object(p) ? p : NULL;
	if (!json_is_object(a->state))
		a->state = json_object(); /* the worker frees a replaced state */
	if (!json_is_object(all)) {
		all = json_object();
		json_object_set_new(a->state, field, all);
	}
	int64_t now = time_now_ms();
	for (;;) { /* forget the expired, then the oldest past the cap */
		const char *k, *oldest = NULL;
		json_t *v;
		int64_t oldest_at = INT64_MAX;
		json_object_foreach(all, k, v)
		{
			int64_t at = json_integer_value(json_object_get(v, "at"));
			if (at < oldest_at) {
				oldest_at = at;
				oldest = k;
			}
		}
		if (!oldest || (now - oldest_at < ttl_ms && json_object_size(all) < max))
			break;
		json_object_del(all, oldest);
	}
	p = json_pack("{s:I}", "at", (json_int_t)now);
	json_object_set_new(all, key, p);
	a->state_changed = 1;
	return p;
}
