/* router: match a request to the route table, authenticate (cookie session
 * with CSRF checks, or bearer token), authorise against the role matrix,
 * then call the handler. Also the response helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/json.h"
#include "base/log.h"
#include "http/http.h"

/* ---- responses ------------------------------------------------------- */

/* A file answer that another response replaces is closed. */
static void drop_file(struct req *r)
{
	if (r->out_fd >= 0) {
		close(r->out_fd);
		r->out_fd = -1;
	}
}

void resp_text(struct req *r, int status, const char *type, const char *body, size_t len)
{
	drop_file(r);
	r->status = status;
	r->content_type = type;
	buf_reset(&r->out);
	r->out.max = 0;
	buf_add(&r->out, body, len);
}

void resp_json(struct req *r, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	resp_text(r, status, "application/json", s ? s : "null", s ? strlen(s) : 4);
	free(s);
}

void resp_empty(struct req *r, int status)
{
	drop_file(r);
	r->status = status;
	r->content_type = NULL;
	buf_reset(&r->out);
}

void resp_problem(struct req *r, const struct err *e)
{
	int status = err_http_status(e->code);
	json_t *p = json_pack("{ss ss si ss ss ss}", "type", "about:blank", "title", err_title(e->code), "status",
			      status, "code", e->key[0] ? e->key : err_default_key(e->code), "detail", e->msg,
			      "request_id", r->request_id);
	if (e->field[0])
		json_object_set_new(p, "field", json_string(e->field));
	char *s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	resp_text(r, status, "application/problem+json", s, strlen(s));
	free(s);
}

void resp_file(struct req *r, int status, const char *type, int fd, uint64_t size)
{
	resp_empty(r, status);
	r->content_type = type;
	r->out_fd = fd;
	r->out_fd_size = size;
}

void resp_header(struct req *r, const char *name, const char *value)
{
	if (r->nhdr >= HTTP_MAX_HEADERS)
		return;
	r->hdr_name[r->nhdr] = name;
	r->hdr_value[r->nhdr] = arena_strdup(&r->arena, value);
	r->nhdr++;
}

int req_json(struct req *r, struct err *e)
{
	const char *ct = req_header(r, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' '))
		return err_set(e, ERR_UNSUPPORTED, "request.content_type", "", "send the body as application/json");
	json_t *v = json_parse_body(buf_cstr(&r->body), r->body.len, NULL, e);
	if (!v)
		return e->code;
	if (!json_is_object(v)) {
		json_decref(v);
		return err_set(e, ERR_INVALID, "json.not_object", "$", "the body must be a JSON object");
	}
	r->json = v;
	return 0;
}

/* ---- matching -------------------------------------------------------- */

/* Match path against pattern; numeric {x} segments go to params, and a
 * {key} segment (URL-safe characters, 1 to 300) to *key. Text after {key}
 * in the same segment ("/ical/{key}.ics") must end the path segment and is
 * not part of the key. A {network} segment (1 to 32 lower-case letters and
 * digits) also goes to *key. */
static int match(const char *pattern, const char *path, int64_t *params, int *np, const char **key, size_t *keylen)
{
	int n = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			const char *se = strchr(s, '/');
			if (!pe)
				return 0;
			size_t len = se ? (size_t)(se - s) : strlen(s);
			if (strncmp(p, "{key}", 5) == 0) {
				size_t sufflen = strcspn(pe + 1, "/");
				if (len < sufflen || strncmp(s + len - sufflen, pe + 1, sufflen) != 0)
					return 0;
				len -= sufflen;
				if (len < 1 || len > 300)
					return 0;
				for (size_t i = 0; i < len; i++) {
					char c = s[i];
					if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
					      c == '-' || c == '_' || c == '.'))
						return 0;
				}
				*key = s;
				*keylen = len;
				p = pe + 1 + sufflen;
				s += len + sufflen;
				continue;
			}
			if (strncmp(p, "{network}", 9) == 0) {
				if (len < 1 || len > 32)
					return 0;
				for (size_t i = 0; i < len; i++)
					if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
						return 0;
				*key = s;
				*keylen = len;
				p = pe + 1;
				s += len;
				continue;
			}
			if (len == 0 || len > 18 || n >= HTTP_MAX_PARAMS)
				return 0;
			int64_t v = 0;
			for (size_t i = 0; i < len; i++) {
				if (s[i] < '0' || s[i] > '9')
					return 0;
				v = v * 10 + (s[i] - '0');
			}
			if (v <= 0)
				return 0;
			params[n++] = v;
			p = pe + 1;
			s += len;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p || *s)
		return 0;
	*np = n;
	return 1;
}

const struct route *router_match(struct req *r, int *status, char *allow, size_t allow_size)
{
	int64_t params[HTTP_MAX_PARAMS];
	int np = 0, path_found = 0;
	const char *key = NULL;
	size_t keylen = 0;
	struct buf a = BUF_INIT(allow_size ? allow_size - 1 : 1);
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	for (size_t i = 0; i < http_nroutes; i++) {
		const struct route *rt = &http_routes[i];
		if (!match(rt->pattern, r->path, params, &np, &key, &keylen))
			continue;
		if (strcmp(rt->method, method) == 0) {
			memcpy(r->params, params, sizeof params);
			r->nparams = np;
			r->key = key ? arena_strndup(&r->arena, key, keylen) : NULL;
			buf_free(&a);
			return rt;
		}
		if (path_found++)
			buf_adds(&a, ", ");
		buf_adds(&a, rt->method);
		if (strcmp(rt->method, "GET") == 0)
			buf_adds(&a, ", HEAD");
	}
	*status = path_found ? 405 : 404;
	str_copy(allow, buf_cstr(&a), allow_size);
	buf_free(&a);
	return NULL;
}

/* ---- authentication -------------------------------------------------- */

static const char *cookie_name(const struct req *r)
{
	return r->cfg->public_url && str_starts(r->cfg->public_url, "https://") ? "__Host-kanal_session"
										 : "kanal_session";
}

/* The origin this server is reached at: the configured public URL, or
 * http://<Host>. */
int req_origin_ok(struct req *r, const char *origin)
{
	if (r->cfg->public_url) {
		size_t n = strlen(r->cfg->public_url);
		while (n && r->cfg->public_url[n - 1] == '/')
			n--;
		return strlen(origin) == n && strncmp(origin, r->cfg->public_url, n) == 0;
	}
	const char *host = req_header(r, "Host");
	if (!host || !str_starts(origin, "http://"))
		return 0;
	return strcmp(origin + 7, host) == 0;
}

static int is_safe_method(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

static int authenticate(struct req *r, struct err *e)
{
	const char *authz = req_header(r, "Authorization");
	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return err_set(e, ERR_UNAUTH, "auth.invalid", "", "use Authorization: Bearer <token>");
		int rc = token_authenticate(r->st, authz + 7, &r->actor, e);
		r->actor.request_id = r->request_id;
		return rc;
	}
	const char *cookie = req_cookie(r, cookie_name(r));
	if (!cookie)
		return err_set(e, ERR_UNAUTH, "auth.required", "", "sign in first");
	int rc = session_lookup(r->st, cookie, &r->session, e);
	if (rc)
		return rc;
	struct user u;
	if ((rc = user_get(r->st, r->session.user_id, &u, e)))
		return rc == ERR_NOTFOUND ? err_set(e, ERR_UNAUTH, "auth.invalid", "", "sign in again") : rc;
	r->by_cookie = 1;
	memset(&r->actor, 0, sizeof r->actor);
	r->actor.user_id = u.id;
	r->actor.token_role = ROLE_NONE;
	str_copy(r->actor.label, u.name, sizeof r->actor.label);
	r->actor.request_id = r->request_id;
	/* CSRF: a cookie rides along on any request; demand proof of origin. */
	if (!is_safe_method(r->method)) {
		const char *token = req_header(r, "X-CSRF-Token");
		const char *origin = req_header(r, "Origin");
		if (!token || !crypto_streq(token, r->session.csrf))
			return err_set(e, ERR_FORBIDDEN, "auth.csrf", "", "missing or wrong X-CSRF-Token");
		if (!origin || !req_origin_ok(r, origin))
			return err_set(e, ERR_FORBIDDEN, "auth.csrf", "", "the Origin header does not match this site");
	}
	return 0;
}

/* ---- dispatch -------------------------------------------------------- */

/* Everything between routing and the handler: the store, the caller, and
 * the caller's right to the route. */
static int admit(struct req *r, const struct route *rt, struct err *e)
{
	if (rt->handler != api_health && rt->handler != api_metrics && rt->handler != api_openapi) {
		r->st = store_thread(r->cfg->dsn, e);
		if (!r->st)
			return e->code;
	}
	if (rt->perm != PERM_PUBLIC) {
		int rc = authenticate(r, e);
		if (rc)
			return rc;
		if (rt->perm == PERM_SESSION && !r->by_cookie)
			return err_set(e, ERR_FORBIDDEN, "auth.session_required", "",
				       "this route needs a signed-in person, not an API token");
		if (rt->perm >= PERM_FIRST_WS && (rc = authz_check(r->st, &r->actor, req_ws(r), rt->perm, &r->role, e)))
			return rc;
	}
	return 0;
}

int router_upload_begin(struct req *r)
{
	char allow[128];
	int status = 404;
	if (strcmp(r->method, "POST") != 0 && strcmp(r->method, "PUT") != 0)
		return 0;
	const struct route *rt = router_match(r, &status, allow, sizeof allow);
	const struct upload_ops *ops = NULL;
	for (size_t i = 0; rt && i < http_nuploads; i++)
		if (http_uploads[i].handler == rt->handler)
			ops = http_uploads[i].ops;
	if (!ops)
		return 0;
	r->route = rt;
	r->upload_ops = ops;
	err_clear(&r->upload_err);
	if (admit(r, rt, &r->upload_err) == 0)
		ops->begin(r, &r->upload_err);
	return 1;
}

static int run(struct req *r, struct err *e)
{
	if (r->upload_ops) {
		/* Routed and authorised when the headers came; the body went to
		 * the upload as it arrived. */
		if (r->upload_err.code) {
			*e = r->upload_err;
			return e->code;
		}
		return r->route->handler(r, e);
	}
	char allow[128];
	int status = 404;
	const struct route *rt = router_match(r, &status, allow, sizeof allow);
	if (!rt) {
		if (status == 404 && (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) &&
		    !str_starts(r->path, "/api/") && static_serve(r))
			return 0;
		if (status == 405) {
			resp_header(r, "Allow", allow);
			return err_set(e, ERR_METHOD, "route.method_not_allowed", "", "use one of: %s", allow);
		}
		return err_set(e, ERR_NOTFOUND, "route.not_found", "", "no such route");
	}
	r->route = rt;
	if (r->body_too_large)
		return err_set(e, ERR_TOOLARGE, "request.too_large", "", "the body is larger than %zu bytes",
			       HTTP_BODY_MAX);
	int rc = admit(r, rt, e);
	return rc ? rc : rt->handler(r, e);
}

void router_dispatch(struct req *r)
{
	struct err e;
	err_clear(&e);
	int rc = run(r, &e);
	if (rc) {
		if (!e.code)
			err_set(&e, rc, NULL, "", "%s", err_title(rc));
		if (err_http_status(e.code) >= 500)
			log_error("%s %s: %s: %s", r->method, r->path, e.key, e.msg);
		if (e.code == ERR_RATELIMIT || e.code == ERR_UNAVAILABLE) {
			/* handlers set Retry-After themselves when they know better */
			int have = 0;
			for (int i = 0; i < r->nhdr; i++)
				if (strcmp(r->hdr_name[i], "Retry-After") == 0)
					have = 1;
			if (!have)
				resp_header(r, "Retry-After", "1");
		}
		resp_problem(r, &e);
	}
}
