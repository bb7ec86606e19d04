/* api_auth: sign-in, sign-out and the signed-in person's own account. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/log.h"
#include "http/http.h"

static int secure(const struct req *r)
{
	return r->cfg->public_url && str_starts(r->cfg->public_url, "https://");
}

static void set_cookie(struct req *r, const char *secret, long max_age)
{
	char c[256];
	snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%ld%s",
		 secure(r) ? "__Host-kanal_session" : "kanal_session", secret, max_age, secure(r) ? "; Secure" : "");
	resp_header(r, "Set-Cookie", c);
}

static int retry_after(struct req *r, int secs, struct err *e)
{
	char s[16];
	snprintf(s, sizeof s, "%d", secs);
	resp_header(r, "Retry-After", s);
	return err_set(e, ERR_RATELIMIT, "auth.throttled", "", "too many failed attempts; try again in %d s", secs);
}

static int start_session(struct req *r, const struct user *u, json_t *extra, struct err *e)
{
	char secret[64], csrf[64];
	int rc = session_create(r->st, u->id, secret, csrf, e);
	if (rc) {
		json_decref(extra);
		return rc;
	}
	set_cookie(r, secret, SESSION_TTL_MS / 1000);
	json_object_set_new(extra, "csrf_token", json_string(csrf));
	resp_json(r, 200, extra);
	return 0;
}

int api_login(struct req *r, struct err *e)
{
	static const char *const keys[] = {"email", "password", NULL};
	const char *email, *password, *origin = req_header(r, "Origin");
	int rc;
	/* Scripts send no Origin; a browser on another site does. */
	if (origin && !req_origin_ok(r, origin))
		return err_set(e, ERR_FORBIDDEN, "auth.csrf", "", "the Origin header does not match this site");
	if ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_str(r->json, "email", 1, 1, 320, &email, e)) ||
	    (rc = json_get_str(r->json, "password", 1, 1, 1024, &password, e)))
		return rc;
	char ip[64], acct[400], ipkey[80];
	req_client_ip(r, ip, sizeof ip);
	snprintf(ipkey, sizeof ipkey, "ip:%s", ip);
	char norm[EMAIL_MAX + 2];
	if (user_normalize_email(email, norm, NULL))
		str_copy(norm, email, sizeof norm);
	snprintf(acct, sizeof acct, "acct:%s", norm);
	int wait = throttle_wait(acct);
	int wait_ip = throttle_wait(ipkey);
	if (wait_ip > wait)
		wait = wait_ip;
	if (wait > 0)
		return retry_after(r, wait, e);
	struct user u;
	if ((rc = user_authenticate(r->st, email, password, &u, e))) {
		if (rc == ERR_UNAUTH) {
			throttle_fail(acct);
			throttle_fail(ipkey);
			log_warn("failed sign-in from %s", ip);
		}
		return rc;
	}
	throttle_reset(acct);
	return start_session(r, &u, json_pack("{so}", "user", user_json(&u)), e);
}

int api_logout(struct req *r, struct err *e)
{
	int rc = session_delete(r->st, r->session.id, e);
	if (rc)
		return rc;
	set_cookie(r, "", 0);
	resp_empty(r, 204);
	return 0;
}

static json_t *workspaces_json(struct req *r, int64_t user_id, struct err *e)
{
	struct workspace *ws = NULL;
	size_t n = 0;
	if (workspace_list(r->st, user_id, &ws, &n, e))
		return NULL;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, workspace_json(&ws[i], 1));
	free(ws);
	return arr;
}

int api_me(struct req *r, struct err *e)
{
	struct user u;
	int rc = user_get(r->st, r->actor.user_id, &u, e);
	if (rc)
		return rc;
	json_t *ws = workspaces_json(r, u.id, e);
	if (!ws)
		return e->code;
	resp_json(r, 200, json_pack("{so ss so}", "user", user_json(&u), "csrf_token", r->session.csrf, "workspaces", ws));
	return 0;
}

int api_me_update(struct req *r, struct err *e)
{
	static const char *const keys[] = {"name", "language", NULL};
	const char *name = NULL, *lang = NULL;
	int rc;
	if ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_str(r->json, "name", 0, 1, 400, &name, e)) < 0 ||
	    (rc = json_get_str(r->json, "language", 0, 2, 2, &lang, e)) < 0)
		return rc;
	struct user u;
	if ((rc = user_update(r->st, &r->actor, r->actor.user_id, name, lang, &u, e)))
		return rc;
	resp_json(r, 200, json_pack("{so}", "user", user_json(&u)));
	return 0;
}

int api_me_password(struct req *r, struct err *e)
{
	static const char *const keys[] = {"current_password", "new_password", NULL};
	const char *cur, *next;
	int rc;
	if ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_str(r->json, "current_password", 1, 1, 1024, &cur, e)) ||
	    (rc = json_get_str(r->json, "new_password", 1, 0, 1024, &next, e)))
		return rc;
	struct user u;
	if ((rc = user_get(r->st, r->actor.user_id, &u, e)))
		return rc;
	char acct[400];
	snprintf(acct, sizeof acct, "acct:%s", u.email);
	int wait = throttle_wait(acct);
	if (wait > 0)
		return retry_after(r, wait, e);
	if (user_authenticate(r->st, u.email, cur, &u, NULL)) {
		throttle_fail(acct);
		return err_set(e, ERR_FORBIDDEN, "auth.invalid_credentials", "$.current_password",
			       "the current password is wrong");
	}
	if ((rc = user_set_password(r->st, &r->actor, u.id, next, e))) {
		if (e->field[0])
			str_copy(e->field, "$.new_password", sizeof e->field);
		return rc;
	}
	return start_session(r, &u, json_object(), e);
}
