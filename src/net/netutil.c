/* netutil: see netutil.h. */
#include "net/netutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
