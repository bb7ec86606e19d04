/* share: review links for client approvers who have no account — signed
 * with a key derived from the server's secret, expiring, bound to one post
 * of one workspace. Read-only, plus approve / request changes / comment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "core/content.h"

#define SHARE_MAX_DAYS 30

static void sign(const char *payload, unsigned char mac[32])
{
	unsigned char key[32];
	crypto_subkey("kanal share-link v1", key);
	crypto_hmac(key, payload, strlen(payload), mac);
}

int share_create(struct store *st, const struct actor *a, int64_t ws, int64_t post, long long days, char *token,
		 size_t size, int64_t *expires, struct err *e)
{
	if (days < 1 || days > SHARE_MAX_DAYS)
		return err_set(e, ERR_INVALID, "share.days", "$.days", "a review link lasts 1 to %d days", SHARE_MAX_DAYS);
	json_t *p;
	int rc = post_get(st, ws, post, &p, e);
	if (rc)
		return rc;
	json_decref(p);
	*expires = time_now_ms() + days * 86400000LL;
	char payload[96], b64p[160], b64m[64];
	unsigned char mac[32];
	snprintf(payload, sizeof payload, "v1.%lld.%lld.%lld", (long long)ws, (long long)post, (long long)*expires);
	sign(payload, mac);
	crypto_b64url(payload, strlen(payload), b64p, sizeof b64p);
	crypto_b64url(mac, sizeof mac, b64m, sizeof b64m);
	snprintf(token, size, "%s.%s", b64p, b64m);
	if ((rc = store_begin(st, e)))
		return rc;
	char target[40];
	snprintf(target, sizeof target, "post:%lld", (long long)post);
	json_t *after = json_pack("{so}", "expires_at", json_time(*expires));
	rc = audit_record(st, a, ws, "post.share", target, NULL, after, e);
	json_decref(after);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return 0;
}

int share_open(const char *token, int64_t *ws, int64_t *post, int64_t *expires, struct err *e)
{
	const char *dot = strchr(token, '.');
	char b64p[200], payload[160];
	unsigned char mac[40], want[32];
	if (!dot || (size_t)(dot - token) >= sizeof b64p)
		return err_set(e, ERR_NOTFOUND, "share.invalid", "", "this review link is not valid");
	memcpy(b64p, token, (size_t)(dot - token));
	b64p[dot - token] = '\0';
	long pl = crypto_b64url_decode(b64p, (unsigned char *)payload, sizeof payload - 1);
	long ml = crypto_b64url_decode(dot + 1, mac, sizeof mac);
	if (pl <= 0 || ml != 32)
		return err_set(e, ERR_NOTFOUND, "share.invalid", "", "this review link is not valid");
	payload[pl] = '\0';
	sign(payload, want);
	if (!crypto_equal(mac, want, 32))
		return err_set(e, ERR_NOTFOUND, "share.invalid", "", "this review link is not valid");
	long long w, p, x;
	char tail;
	if (sscanf(payload, "v1.%lld.%lld.%lld%c", &w, &p, &x, &tail) != 3 || w < 1 || p < 1)
		return err_set(e, ERR_NOTFOUND, "share.invalid", "", "this review link is not valid");
	if (x <= time_now_ms())
		return err_set(e, ERR_NOTFOUND, "share.expired", "", "this review link has expired; ask for a new one");
	*ws = w;
	*post = p;
	*expires = x;
	return 0;
}
