/* token: API tokens for scripts and integrations, scoped to one workspace
 * and one role. Only a hash is stored; the secret is shown once. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "core/core.h"

#define TOKEN_PREFIX "kanal_"

/* A small cache of resolved tokens, so the busiest calls (scripts polling
 * the API) cost one query, not two. An entry lives one second; any
 * revocation in this process (token revoked, member removed or re-roled)
 * empties it at once. A revocation by another process (the CLI) takes
 * effect within that second. */
#define TCACHE_SLOTS 1024
#define TCACHE_TTL_MS 1000
struct tcache_ent {
	char hash[65];
	struct actor actor;
	int64_t expires;
	unsigned gen;
};
static struct tcache_ent tcache[TCACHE_SLOTS];
static pthread_mutex_t tcache_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned tcache_gen = 1;

void token_cache_invalidate(void)
{
	pthread_mutex_lock(&tcache_lock);
	tcache_gen++;
	pthread_mutex_unlock(&tcache_lock);
}

static struct tcache_ent *tcache_slot(const char *hash)
{
	unsigned idx = 0;
	for (int i = 0; i < 6; i++)
		idx = idx * 16 + (unsigned)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
	return &tcache[idx % TCACHE_SLOTS];
}

static int tcache_get(const char *hash, int64_t now, struct actor *out)
{
	int hit = 0;
	pthread_mutex_lock(&tcache_lock);
	struct tcache_ent *t = tcache_slot(hash);
	if (t->gen == tcache_gen && t->expires > now && strcmp(t->hash, hash) == 0) {
		*out = t->actor;
		hit = 1;
	}
	pthread_mutex_unlock(&tcache_lock);
	return hit;
}

static void tcache_put(const char *hash, int64_t now, int64_t token_expires, unsigned gen, const struct actor *a)
{
	pthread_mutex_lock(&tcache_lock);
	if (gen == tcache_gen) {
		struct tcache_ent *t = tcache_slot(hash);
		str_copy(t->hash, hash, sizeof t->hash);
		t->actor = *a;
		t->expires = now + TCACHE_TTL_MS;
		if (token_expires > 0 && token_expires < t->expires)
			t->expires = token_expires;
		t->gen = gen;
	}
	pthread_mutex_unlock(&tcache_lock);
}

json_t *token_json(const struct token_info *t)
{
	json_t *o = json_pack("{sI ss ss ss so so so so}", "id", (json_int_t)t->id, "name", t->name, "prefix",
			      t->prefix, "role", role_name(t->role), "created_at", json_time(t->created_at),
			      "last_used_at", json_time(t->last_used_at), "expires_at", json_time(t->expires_at),
			      "revoked_at", json_time(t->revoked_at));
	json_object_set_new(o, "created_by", t->user_id ? json_integer(t->user_id) : json_null());
	return o;
}

int token_create(struct store *st, const struct actor *a, int64_t ws, const char *name, const char *role,
		 long long expires_days, struct token_info *out, char secret[64], struct err *e)
{
	enum role r = role ? role_parse(role) : ROLE_NONE;
	if (r == ROLE_NONE)
		return err_set(e, ERR_INVALID, "token.role", "$.role", "unknown role");
	size_t nl = strlen(name);
	if (nl < 1 || nl > TOKEN_NAME_MAX)
		return err_set(e, ERR_INVALID, "token.name", "$.name", "the name must be 1 to %d bytes", TOKEN_NAME_MAX);
	if (expires_days < 0 || expires_days > 3650)
		return err_set(e, ERR_INVALID, "token.expires", "$.expires_in_days", "expiry must be 0 to 3650 days");
	char hash[65];
	crypto_token(TOKEN_PREFIX, 32, secret, 64);
	crypto_hash_hex(secret, strlen(secret), hash);
	struct token_info t = {.workspace_id = ws, .user_id = a->user_id, .role = r, .created_at = time_now_ms()};
	str_copy(t.name, name, sizeof t.name);
	str_copy(t.prefix, secret, 11);
	t.expires_at = expires_days ? t.created_at + expires_days * 86400000LL : 0;
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct store_val v[] = {SV_I(ws), SV_ID(a->user_id), SV_S(t.name), SV_S(hash), SV_S(t.prefix),
				SV_S(role_name(r)), SV_I(t.created_at), SV_ID(t.expires_at)};
	if ((rc = store_one_int(st, Q_TOKEN_INSERT, v, NARGS(v), &t.id, e)))
		return core_tx_fail(st, rc);
	json_t *after = json_pack("{ss ss}", "name", t.name, "role", role_name(r));
	char target[32];
	snprintf(target, sizeof target, "token:%lld", (long long)t.id);
	rc = audit_record(st, a, ws, "token.create", target, NULL, after, e);
	json_decref(after);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	if (out)
		*out = t;
	return 0;
}

struct tok_ctx {
	struct store *st;
	struct actor *a;
	int64_t last_used, expires_at;
	int found;
};

static int tok_row(void *ctx, struct store_row *r)
{
	struct tok_ctx *c = ctx;
	c->a->token_id = store_int(c->st, r, 0);
	c->a->token_ws = store_int(c->st, r, 1);
	c->a->user_id = store_int(c->st, r, 2);
	c->a->token_role = role_parse(store_text(c->st, r, 3));
	snprintf(c->a->label, sizeof c->a->label, "token:%.100s", store_text(c->st, r, 4));
	c->last_used = store_int(c->st, r, 5);
	c->expires_at = store_int(c->st, r, 6);
	c->found = 1;
	return 1;
}

int token_authenticate(struct store *st, const char *secret, struct actor *out, struct err *e)
{
	size_t n = strlen(secret);
	if (n < 20 || n > 80 || !str_starts(secret, TOKEN_PREFIX))
		return err_set(e, ERR_UNAUTH, "auth.invalid", "", "the API token is not valid");
	char hash[65];
	crypto_hash_hex(secret, n, hash);
	int64_t now = time_now_ms();
	if (tcache_get(hash, now, out))
		return 0;
	pthread_mutex_lock(&tcache_lock);
	unsigned gen = tcache_gen;
	pthread_mutex_unlock(&tcache_lock);
	memset(out, 0, sizeof *out);
	struct tok_ctx c = {st, out, 0, 0, 0};
	struct store_val v[] = {SV_S(hash), SV_I(now)};
	int rc = store_exec(st, Q_TOKEN_GET, v, NARGS(v), tok_row, &c, e);
	if (rc < 0)
		return rc;
	if (!c.found || out->token_role == ROLE_NONE) {
		memset(out, 0, sizeof *out);
		return err_set(e, ERR_UNAUTH, "auth.invalid", "", "the API token is not valid, revoked or expired");
	}
	/* Record use at most once a minute: reads stay read-only. */
	if (now - c.last_used > 60 * 1000) {
		struct store_val t[] = {SV_I(now), SV_I(out->token_id)};
		store_exec(st, Q_TOKEN_TOUCH, t, NARGS(t), NULL, NULL, NULL);
	}
	tcache_put(hash, now, c.expires_at, gen, out);
	return 0;
}

struct tvec {
	struct store *st;
	struct token_info *v;
	size_t n, cap;
};

static int tvec_row(void *ctx, struct store_row *r)
{
	struct tvec *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	struct token_info *t = &c->v[c->n++];
	memset(t, 0, sizeof *t);
	t->id = store_int(c->st, r, 0);
	str_copy(t->name, store_text(c->st, r, 1), sizeof t->name);
	str_copy(t->prefix, store_text(c->st, r, 2), sizeof t->prefix);
	t->role = role_parse(store_text(c->st, r, 3));
	t->user_id = store_int(c->st, r, 4);
	t->created_at = store_int(c->st, r, 5);
	t->last_used_at = store_int(c->st, r, 6);
	t->expires_at = store_int(c->st, r, 7);
	t->revoked_at = store_int(c->st, r, 8);
	return 0;
}

int token_list(struct store *st, int64_t ws, struct token_info **out, size_t *n, struct err *e)
{
	struct tvec c = {st, NULL, 0, 0};
	struct store_val v = SV_I(ws);
	int rc = store_exec(st, Q_TOKEN_LIST, &v, 1, tvec_row, &c, e);
	if (rc < 0) {
		free(c.v);
		return rc;
	}
	for (size_t i = 0; i < c.n; i++)
		c.v[i].workspace_id = ws;
	*out = c.v;
	*n = c.n;
	return 0;
}

int token_revoke(struct store *st, const struct actor *a, int64_t ws, int64_t id, struct err *e)
{
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct store_val v[] = {SV_I(time_now_ms()), SV_I(ws), SV_I(id)};
	if ((rc = store_exec(st, Q_TOKEN_REVOKE, v, NARGS(v), NULL, NULL, e)))
		return core_tx_fail(st, rc);
	if (store_changes(st) == 0)
		return core_tx_fail(st, err_set(e, ERR_NOTFOUND, "token.not_found", "", "no such active token"));
	char target[32];
	snprintf(target, sizeof target, "token:%lld", (long long)id);
	if ((rc = audit_record(st, a, ws, "token.revoke", target, NULL, NULL, e)) || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	token_cache_invalidate();
	return 0;
}
