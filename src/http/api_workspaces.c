/* api_workspaces: workspaces, their members, API tokens and audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "http/http.h"

int api_workspaces_list(struct req *r, struct err *e)
{
	struct workspace *ws = NULL;
	size_t n = 0;
	int rc = workspace_list(r->st, r->actor.user_id, &ws, &n, e);
	if (rc)
		return rc;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, workspace_json(&ws[i], 1));
	free(ws);
	resp_json(r, 200, json_pack("{so}", "workspaces", arr));
	return 0;
}

static int ws_fields(struct req *r, int required, const char **name, const char **tz, const char **lang,
		     const char **cur, struct err *e)
{
	static const char *const keys[] = {"name", "timezone", "language", "currency", NULL};
	int rc;
	if ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)))
		return rc;
	if ((rc = json_get_str(r->json, "name", required, 1, 400, name, e)) < 0 ||
	    (rc = json_get_str(r->json, "timezone", required, 1, 64, tz, e)) < 0 ||
	    (rc = json_get_str(r->json, "language", 0, 1, 8, lang, e)) < 0 ||
	    (rc = json_get_str(r->json, "currency", 0, 1, 8, cur, e)) < 0)
		return rc;
	return 0;
}

int api_workspaces_create(struct req *r, struct err *e)
{
	const char *name = NULL, *tz = NULL, *lang = NULL, *cur = NULL;
	int rc = ws_fields(r, 1, &name, &tz, &lang, &cur, e);
	if (rc)
		return rc;
	struct workspace w;
	if ((rc = workspace_create(r->st, &r->actor, name, tz, lang ? lang : "en", cur ? cur : "EUR", r->actor.user_id,
				   &w, e)))
		return rc;
	resp_json(r, 201, json_pack("{so}", "workspace", workspace_json(&w, 1)));
	return 0;
}

static json_t *perms_of(enum role role)
{
	json_t *arr = json_array();
	for (int p = PERM_FIRST_WS; p < PERM__COUNT; p++)
		if (perm_allows(role, (enum perm)p))
			json_array_append_new(arr, json_string(perm_name((enum perm)p)));
	return arr;
}

int api_workspace_get(struct req *r, struct err *e)
{
	struct workspace w;
	int rc = workspace_get(r->st, req_ws(r), &w, e);
	if (rc)
		return rc;
	w.role = r->role;
	resp_json(r, 200, json_pack("{so ss so}", "workspace", workspace_json(&w, 1), "role", role_name(r->role),
				    "permissions", perms_of(r->role)));
	return 0;
}

int api_workspace_update(struct req *r, struct err *e)
{
	const char *name = NULL, *tz = NULL, *lang = NULL, *cur = NULL;
	int rc = ws_fields(r, 0, &name, &tz, &lang, &cur, e);
	if (rc)
		return rc;
	struct workspace w;
	if ((rc = workspace_update(r->st, &r->actor, req_ws(r), name, tz, lang, cur, &w, e)))
		return rc;
	w.role = r->role;
	resp_json(r, 200, json_pack("{so}", "workspace", workspace_json(&w, 1)));
	return 0;
}

int api_roles(struct req *r, struct err *e)
{
	(void)e;
	json_t *roles = json_array(), *perms = json_array(), *matrix = json_object();
	for (int p = PERM_FIRST_WS; p < PERM__COUNT; p++)
		json_array_append_new(perms, json_string(perm_name((enum perm)p)));
	for (int i = 0; i < ROLE__COUNT; i++) {
		json_array_append_new(roles, json_string(role_name((enum role)i)));
		json_object_set_new(matrix, role_name((enum role)i), perms_of((enum role)i));
	}
	resp_json(r, 200, json_pack("{so so so}", "roles", roles, "permissions", perms, "matrix", matrix));
	return 0;
}

/* ---- members --------------------------------------------------------- */

int api_members_list(struct req *r, struct err *e)
{
	struct member *m = NULL;
	size_t n = 0;
	int rc = member_list(r->st, req_ws(r), &m, &n, e);
	if (rc)
		return rc;
	/* The busiest read: written straight out, no JSON tree. */
	struct buf b = BUF_INIT(0);
	struct jw w = {&b, 0};
	jw_begin_obj(&w);
	jw_key(&w, "members");
	jw_begin_arr(&w);
	for (size_t i = 0; i < n; i++) {
		jw_begin_obj(&w);
		jw_key(&w, "user_id");
		jw_int(&w, m[i].user_id);
		jw_key(&w, "email");
		jw_str(&w, m[i].email);
		jw_key(&w, "name");
		jw_str(&w, m[i].name);
		jw_key(&w, "role");
		jw_str(&w, role_name(m[i].role));
		jw_key(&w, "created_at");
		jw_time(&w, m[i].created_at);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);
	jw_end_obj(&w);
	free(m);
	resp_text(r, 200, "application/json", buf_cstr(&b), b.len);
	buf_free(&b);
	return 0;
}

int api_members_add(struct req *r, struct err *e)
{
	static const char *const keys[] = {"email", "role", "name", "password", NULL};
	const char *email, *role, *name = NULL, *password = NULL;
	int rc;
	if ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_str(r->json, "email", 1, 1, 320, &email, e)) ||
	    (rc = json_get_str(r->json, "role", 1, 1, 64, &role, e)) ||
	    (rc = json_get_str(r->json, "name", 0, 1, 400, &name, e)) < 0 ||
	    (rc = json_get_str(r->json, "password", 0, 0, 1024, &password, e)) < 0)
		return rc;
	struct member m;
	if ((rc = member_add(r->st, &r->actor, req_ws(r), email, name, role, password, &m, e)))
		return rc;
	resp_json(r, 201, json_pack("{so}", "member", member_json(&m)));
	return 0;
}

int api_members_update(struct req *r, struct err *e)
{
	static const char *const keys[] = {"role", NULL};
	const char *role;
	int rc;
	if ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_str(r->json, "role", 1, 1, 64, &role, e)))
		return rc;
	struct member m;
	if ((rc = member_set_role(r->st, &r->actor, req_ws(r), r->params[1], role, &m, e)))
		return rc;
	resp_json(r, 200, json_pack("{so}", "member", member_json(&m)));
	return 0;
}

int api_members_remove(struct req *r, struct err *e)
{
	int rc = member_remove(r->st, &r->actor, req_ws(r), r->params[1], e);
	if (rc)
		return rc;
	resp_empty(r, 204);
	return 0;
}

/* ---- API tokens ------------------------------------------------------ */

int api_tokens_list(struct req *r, struct err *e)
{
	struct token_info *t = NULL;
	size_t n = 0;
	int rc = token_list(r->st, req_ws(r), &t, &n, e);
	if (rc)
		return rc;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, token_json(&t[i]));
	free(t);
	resp_json(r, 200, json_pack("{so}", "tokens", arr));
	return 0;
}

int api_tokens_create(struct req *r, struct err *e)
{
	static const char *const keys[] = {"name", "role", "expires_in_days", NULL};
	const char *name, *role;
	long long days = 0;
	int rc;
	if ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_str(r->json, "name", 1, 1, 400, &name, e)) ||
	    (rc = json_get_str(r->json, "role", 1, 1, 64, &role, e)) ||
	    (rc = json_get_int(r->json, "expires_in_days", 0, 0, 3650, &days, e)) < 0)
		return rc;
	struct token_info t;
	char secret[64];
	if ((rc = token_create(r->st, &r->actor, req_ws(r), name, role, days, &t, secret, e)))
		return rc;
	resp_json(r, 201, json_pack("{so ss}", "token", token_json(&t), "secret", secret));
	return 0;
}

int api_tokens_revoke(struct req *r, struct err *e)
{
	int rc = token_revoke(r->st, &r->actor, req_ws(r), r->params[1], e);
	if (rc)
		return rc;
	resp_empty(r, 204);
	return 0;
}

/* ---- audit ----------------------------------------------------------- */

int api_audit_list(struct req *r, struct err *e)
{
	long long before = 0, limit = 50;
	const char *b = req_query(r, "before"), *l = req_query(r, "limit");
	if (b && (str_to_i64(b, &before) || before < 0))
		return err_set(e, ERR_INVALID, "query.invalid", "before", "before must be an entry id");
	if (l && (str_to_i64(l, &limit) || limit < 1 || limit > 200))
		return err_set(e, ERR_INVALID, "query.invalid", "limit", "limit must be 1 to 200");
	json_t *entries;
	int rc = audit_list(r->st, req_ws(r), before, (int)limit, &entries, e);
	if (rc)
		return rc;
	resp_json(r, 200, json_pack("{so}", "entries", entries));
	return 0;
}
