/* session: signed-in browser sessions. The cookie holds a 256-bit random
 * secret; the store keeps only its hash. */
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "core/core.h"

int session_create(struct store *st, int64_t user_id, char secret[64], char csrf[64], struct err *e)
{
	char hash[65];
	crypto_token("", 32, secret, 64);
	crypto_token("", 24, csrf, 64);
	crypto_hash_hex(secret, strlen(secret), hash);
	int64_t now = time_now_ms(), id = 0;
	struct store_val v[] = {SV_S(hash), SV_I(user_id), SV_S(csrf), SV_I(now), SV_I(now + SESSION_TTL_MS)};
	return store_one_int(st, Q_SESSION_INSERT, v, NARGS(v), &id, e);
}

struct sess_ctx {
	struct store *st;
	struct session *s;
	int64_t last_seen;
	int found;
};

static int sess_row(void *ctx, struct store_row *r)
{
	struct sess_ctx *c = ctx;
	c->s->id = store_int(c->st, r, 0);
	c->s->user_id = store_int(c->st, r, 1);
	str_copy(c->s->csrf, store_text(c->st, r, 2), sizeof c->s->csrf);
	c->last_seen = store_int(c->st, r, 4);
	c->found = 1;
	return 1;
}

int session_lookup(struct store *st, const char *secret, struct session *out, struct err *e)
{
	char hash[65];
	size_t n = strlen(secret);
	if (n < 20 || n > 60)
		return err_set(e, ERR_UNAUTH, "auth.invalid", "", "the session is not valid");
	crypto_hash_hex(secret, n, hash);
	int64_t now = time_now_ms();
	struct sess_ctx c = {st, out, 0, 0};
	struct store_val v[] = {SV_S(hash), SV_I(now)};
	int rc = store_exec(st, Q_SESSION_GET, v, NARGS(v), sess_row, &c, e);
	if (rc < 0)
		return rc;
	if (!c.found)
		return err_set(e, ERR_UNAUTH, "auth.invalid", "", "the session has ended; sign in again");
	if (now - c.last_seen > 60 * 1000) {
		struct store_val t[] = {SV_I(now), SV_I(now + SESSION_TTL_MS), SV_I(out->id)};
		store_exec(st, Q_SESSION_TOUCH, t, NARGS(t), NULL, NULL, NULL);
	}
	return 0;
}

int session_delete(struct store *st, int64_t id, struct err *e)
{
	struct store_val v = SV_I(id);
	return store_exec(st, Q_SESSION_DELETE, &v, 1, NULL, NULL, e);
}
