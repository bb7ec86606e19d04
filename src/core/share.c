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

#define SHARE_PURPOSE "kanal share-link v1"

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
	char payload[96];
	snprintf(payload, sizeof payload, "v1.%lld.%lld.%lld", (long long)ws, (long long)post, (long long)*expires);
	if (crypto_token_sign(SHARE_PURPOSE, payload, token, size))
		return err_set(e, ERR_INTERNAL, "share.token", "", "the review link does not fit");
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
	char payload[160];
	if (crypto_token_open(SHARE_PURPOSE, token, payload, sizeof payload))
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
