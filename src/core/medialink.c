/* medialink: signed, expiring public URLs of library media (see
 * medialink.h). The payload "m1.<ws>.<media>.<network>.<expires ms>" and
 * an HMAC-SHA256 of it under a key derived from KANAL_SECRET_KEY for this
 * purpose only, both base64url, joined by '.'. */
#include "core/medialink.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"

#define MEDIALINK_PURPOSE "kanal public-media-link v1"

static int net_ok(const char *n)
{
	size_t len = strlen(n);
	return len >= 1 && len < MEDIALINK_NET_MAX && strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789") == len;
}

int medialink_make(const char *base, int64_t ws, int64_t media, const char *network, int64_t expires_ms, char *out,
		   size_t size)
{
	char payload[160], signed_[320];
	out[0] = '\0';
	if (!base || !network || !net_ok(network))
		return -1;
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	snprintf(payload, sizeof payload, "m1.%lld.%lld.%s.%lld", (long long)ws, (long long)media, network,
		 (long long)expires_ms);
	if (crypto_token_sign(MEDIALINK_PURPOSE, payload, signed_, sizeof signed_))
		return -1;
	int n = snprintf(out, size, "%.*s/media/p/%s", (int)bl, base, signed_);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int medialink_open(const char *token, int64_t *ws, int64_t *media, char *network, struct err *e)
{
	char payload[200];
	if (crypto_token_open(MEDIALINK_PURPOSE, token, payload, sizeof payload))
		return err_set(e, ERR_NOTFOUND, "media_link.invalid", "", "this media link is not valid");
	long long w, m, x;
	char net[MEDIALINK_NET_MAX + 8];
	int used = 0;
	if (sscanf(payload, "m1.%lld.%lld.%39[a-z0-9].%lld%n", &w, &m, net, &x, &used) != 4 ||
	    (size_t)used != strlen(payload) || w < 1 || m < 1 || !net_ok(net))
		return err_set(e, ERR_NOTFOUND, "media_link.invalid", "", "this media link is not valid");
	if (x <= time_now_ms())
		return err_set(e, ERR_NOTFOUND, "media_link.expired", "", "this media link has expired");
	*ws = w;
	*media = m;
	str_copy(network, net, MEDIALINK_NET_MAX);
	return 0;
}
