/* member: who belongs to a workspace and with which role. A role change or
 * removal revokes the person's sessions and their tokens in the workspace. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "core/core.h"

struct role_ctx {
	struct store *st;
	enum role role;
	int64_t created_at;
};

static int role_row(void *ctx, struct store_row *r)
{
	struct role_ctx *c = ctx;
	c->role = role_parse(store_text(c->st, r, 0));
	c->created_at = store_int(c->st, r, 1);
	return 1;
}

static enum role membership(struct store *st, int64_t ws, int64_t user_id, int64_t *created_at)
{
	struct role_ctx c = {st, ROLE_NONE, 0};
	struct store_val v[] = {SV_I(ws), SV_I(user_id)};
	if (store_exec(st, Q_MEMBER_ROLE, v, NARGS(v), role_row, &c, NULL) < 0)
		return ROLE_NONE;
	if (created_at)
		*created_at = c.created_at;
	return c.role;
}

enum role member_role(struct store *st, int64_t ws, int64_t user_id)
{
	return membership(st, ws, user_id, NULL);
}

struct mvec {
	struct store *st;
	struct member *v;
	size_t n, cap;
};

static int member_row(void *ctx, struct store_row *r)
{
	struct mvec *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	struct member *m = &c->v[c->n++];
	m->user_id = store_int(c->st, r, 0);
	str_copy(m->email, store_text(c->st, r, 1), sizeof m->email);
	str_copy(m->name, store_text(c->st, r, 2), sizeof m->name);
	m->role = role_parse(store_text(c->st, r, 3));
	m->created_at = store_int(c->st, r, 4);
	return 0;
}

int member_list(struct store *st, int64_t ws, struct member **out, size_t *n, struct err *e)
{
	struct mvec c = {st, NULL, 0, 0};
	struct store_val v = SV_I(ws);
	int rc = store_exec(st, Q_MEMBER_LIST, &v, 1, member_row, &c, e);
	if (rc < 0) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

json_t *member_json(const struct member *m)
{
	return json_pack("{sI ss ss ss so}", "user_id", (json_int_t)m->user_id, "email", m->email, "name", m->name,
			 "role", role_name(m->role), "created_at", json_time(m->created_at));
}

static int parse_role(const char *role, enum role *out, struct err *e)
{
	*out = role ? role_parse(role) : ROLE_NONE;
	if (*out == ROLE_NONE)
		return err_set(e, ERR_INVALID, "member.role", "$.role", "unknown role");
	return 0;
}

static int get_member(struct store *st, int64_t ws, int64_t user_id, struct member *out, struct err *e)
{
	struct user u;
	int64_t created_at = 0;
	enum role r = membership(st, ws, user_id, &created_at);
	if (r == ROLE_NONE || user_get(st, user_id, &u, NULL))
		return err_set(e, ERR_NOTFOUND, "member.not_found", "", "no such member");
	out->created_at = created_at;
	out->user_id = u.id;
	str_copy(out->email, u.email, sizeof out->email);
	str_copy(out->name, u.name, sizeof out->name);
	out->role = r;
	return 0;
}

/* Revoke the user's sessions and their API tokens in ws. */
static int revoke_access(struct store *st, int64_t ws, int64_t user_id, struct err *e)
{
	struct store_val u = SV_I(user_id);
	int rc = store_exec(st, Q_SESSION_DELETE_USER, &u, 1, NULL, NULL, e);
	if (rc)
		return rc;
	struct store_val t[] = {SV_I(time_now_ms()), SV_I(ws), SV_I(user_id)};
	/* Emptied before the commit too: a racing lookup may refill it from the
	 * old rows, which the next request after the commit cannot do. */
	token_cache_invalidate();
	return store_exec(st, Q_TOKEN_REVOKE_USER, t, NARGS(t), NULL, NULL, e);
}

static int owners(struct store *st, int64_t ws, int64_t *n, struct err *e)
{
	struct store_val v[] = {SV_I(ws), SV_S("owner")};
	return store_one_int(st, Q_MEMBER_COUNT_ROLE, v, NARGS(v), n, e);
}

int member_add(struct store *st, const struct actor *a, int64_t ws, const char *email, const char *name,
	       const char *role, const char *password, struct member *out, struct err *e)
{
	enum role r;
	char norm[EMAIL_MAX + 2];
	int rc;
	if ((rc = parse_role(role, &r, e)) || (rc = user_normalize_email(email, norm, e)) ||
	    (rc = workspace_get(st, ws, NULL, e)))
		return rc;
	struct user u;
	rc = user_by_email(st, norm, &u, e);
	if (rc == ERR_NOTFOUND) {
		if (!name || !*name)
			return err_set(e, ERR_INVALID, "field.required", "$.name", "name is required for a new user");
		if ((rc = user_create(st, a, norm, name, password, NULL, &u, e)))
			return rc;
	} else if (rc) {
		return rc;
	}
	err_clear(e);
	if ((rc = store_begin(st, e)))
		return rc;
	int64_t now = time_now_ms();
	struct store_val v[] = {SV_I(ws), SV_I(u.id), SV_S(role_name(r)), SV_I(now)};
	rc = store_exec(st, Q_MEMBER_INSERT, v, NARGS(v), NULL, NULL, e);
	if (rc == ERR_CONFLICT)
		return core_tx_fail(st, err_set(e, ERR_CONFLICT, "member.exists", "$.email", "already a member"));
	if (rc)
		return core_tx_fail(st, rc);
	json_t *after = json_pack("{ss ss}", "email", u.email, "role", role_name(r));
	char target[32];
	snprintf(target, sizeof target, "user:%lld", (long long)u.id);
	rc = audit_record(st, a, ws, "member.add", target, NULL, after, e);
	json_decref(after);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	if (out) {
		out->user_id = u.id;
		str_copy(out->email, u.email, sizeof out->email);
		str_copy(out->name, u.name, sizeof out->name);
		out->role = r;
		out->created_at = now;
	}
	return 0;
}

int member_set_role(struct store *st, const struct actor *a, int64_t ws, int64_t user_id, const char *role,
		    struct member *out, struct err *e)
{
	enum role r;
	struct member m;
	int64_t n = 0;
	int rc;
	if ((rc = parse_role(role, &r, e)) || (rc = store_begin(st, e)))
		return rc;
	if ((rc = get_member(st, ws, user_id, &m, e)))
		return core_tx_fail(st, rc);
	if (m.role == ROLE_OWNER && r != ROLE_OWNER) {
		if ((rc = owners(st, ws, &n, e)))
			return core_tx_fail(st, rc);
		if (n <= 1)
			return core_tx_fail(st, err_set(e, ERR_CONFLICT, "member.last_owner", "$.role",
							"a workspace needs at least one owner"));
	}
	enum role old = m.role;
	if (old != r) {
		struct store_val v[] = {SV_S(role_name(r)), SV_I(ws), SV_I(user_id)};
		if ((rc = store_exec(st, Q_MEMBER_SET_ROLE, v, NARGS(v), NULL, NULL, e)) ||
		    (rc = revoke_access(st, ws, user_id, e)))
			return core_tx_fail(st, rc);
		json_t *before = json_pack("{ss}", "role", role_name(old));
		json_t *after = json_pack("{ss}", "role", role_name(r));
		char target[32];
		snprintf(target, sizeof target, "user:%lld", (long long)user_id);
		rc = audit_record(st, a, ws, "member.role", target, before, after, e);
		json_decref(before);
		json_decref(after);
		if (rc)
			return core_tx_fail(st, rc);
	}
	if ((rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	token_cache_invalidate();
	m.role = r;
	if (out)
		*out = m;
	return 0;
}

int member_remove(struct store *st, const struct actor *a, int64_t ws, int64_t user_id, struct err *e)
{
	struct member m;
	int64_t n = 0;
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	if ((rc = get_member(st, ws, user_id, &m, e)))
		return core_tx_fail(st, rc);
	if (m.role == ROLE_OWNER) {
		if ((rc = owners(st, ws, &n, e)))
			return core_tx_fail(st, rc);
		if (n <= 1)
			return core_tx_fail(st, err_set(e, ERR_CONFLICT, "member.last_owner", "",
							"a workspace needs at least one owner"));
	}
	struct store_val v[] = {SV_I(ws), SV_I(user_id)};
	if ((rc = store_exec(st, Q_MEMBER_DELETE, v, NARGS(v), NULL, NULL, e)) ||
	    (rc = revoke_access(st, ws, user_id, e)))
		return core_tx_fail(st, rc);
	json_t *before = json_pack("{ss ss}", "email", m.email, "role", role_name(m.role));
	char target[32];
	snprintf(target, sizeof target, "user:%lld", (long long)user_id);
	rc = audit_record(st, a, ws, "member.remove", target, before, NULL, e);
	json_decref(before);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	token_cache_invalidate();
	return 0;
}

int authz_check(struct store *st, const struct actor *a, int64_t ws, enum perm p, enum role *role, struct err *e)
{
	enum role r;
	if (a->cli) {
		r = ROLE_OWNER;
	} else if (a->token_id) {
		r = a->token_ws == ws ? a->token_role : ROLE_NONE;
	} else if (a->user_id) {
		r = member_role(st, ws, a->user_id);
	} else {
		return err_set(e, ERR_UNAUTH, "auth.required", "", "sign in first");
	}
	if (r == ROLE_NONE)
		return err_set(e, ERR_NOTFOUND, "workspace.not_found", "", "no such workspace");
	if (!perm_allows(r, p))
		return err_set(e, ERR_FORBIDDEN, "auth.forbidden", "", "your role (%s) may not do this (%s)",
			       role_name(r), perm_name(p));
	if (role)
		*role = r;
	return 0;
}
