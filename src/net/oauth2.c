/* oauth2: the OAuth 2.0 calls kanal makes to networks' authorization
 * servers (see oauth2.h). Tokens travel only in request bodies and
 * Authorization headers; no message built here ever contains one. */
#include "net/oauth2.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "net/http_client.h"

/* Every limit and constant in one place. */
static const struct {
	long timeout_ms;	  /* one call to a token or userinfo endpoint */
	size_t max_response;	  /* bytes of one answer */
	size_t max_token;	  /* a longer access or refresh token is refused */
	long long max_expires_in; /* seconds; a longer lifetime is capped */
} OA = {
    .timeout_ms = 15000,
    .max_response = 64 * 1024,
    .max_token = 4096,
    .max_expires_in = 400LL * 86400,
};

/* The networks' real endpoints and the scopes kanal needs to publish
 * (../shared/NETWORKS.md). Meta's scopes are comma-separated, as its
 * dialogs expect. */
static const struct {
	const char *network, *authorize, *token, *api, *userinfo, *scopes;
	int basic;
} DEFAULTS[OAUTH2_NAPPS] = {
    {"x", "https://x.com/i/oauth2/authorize", "https://api.x.com/2/oauth2/token", "https://api.x.com",
     "https://api.x.com/2/users/me", "tweet.read tweet.write users.read media.write offline.access", 1},
    {"linkedin", "https://www.linkedin.com/oauth/v2/authorization", "https://www.linkedin.com/oauth/v2/accessToken",
     "https://api.linkedin.com", "https://api.linkedin.com/v2/userinfo", "openid profile w_member_social", 0},
    {"facebook", "https://www.facebook.com/v21.0/dialog/oauth", "https://graph.facebook.com/v21.0/oauth/access_token",
     "https://graph.facebook.com/v21.0", "https://graph.facebook.com/v21.0/me",
     "pages_show_list,pages_read_engagement,pages_manage_posts", 0},
    {"instagram", "https://www.instagram.com/oauth/authorize", "https://api.instagram.com/oauth/access_token",
     "https://graph.instagram.com", "https://graph.instagram.com/me?fields=user_id,username",
     "instagram_business_basic,instagram_business_content_publish", 0},
    {"threads", "https://threads.net/oauth/authorize", "https://graph.threads.net/oauth/access_token",
     "https://graph.threads.net/v1.0", "https://graph.threads.net/v1.0/me?fields=id,username",
     "threads_basic,threads_content_publish", 0},
};

const char *const oauth2_networks[] = {"x", "linkedin", "facebook", "instagram", "threads", NULL};
const char *const oauth2_fields[] = {"client_id",    "client_secret", "authorize_url", "token_url", "api_url",
				     "userinfo_url", "scopes",	      "client_auth",   NULL};

static struct oauth2_apps configured;
static int have_configured;

void oauth2_apps_defaults(struct oauth2_apps *apps)
{
	memset(apps, 0, sizeof *apps);
	for (int i = 0; i < OAUTH2_NAPPS; i++) {
		struct oauth2_app *a = &apps->app[i];
		str_copy(a->network, DEFAULTS[i].network, sizeof a->network);
		str_copy(a->authorize_url, DEFAULTS[i].authorize, sizeof a->authorize_url);
		str_copy(a->token_url, DEFAULTS[i].token, sizeof a->token_url);
		str_copy(a->api_url, DEFAULTS[i].api, sizeof a->api_url);
		str_copy(a->userinfo_url, DEFAULTS[i].userinfo, sizeof a->userinfo_url);
		str_copy(a->scopes, DEFAULTS[i].scopes, sizeof a->scopes);
		a->auth_basic = DEFAULTS[i].basic;
	}
}

static int set_url(char *dst, size_t size, const char *key, const char *v, int may_be_empty, struct err *e)
{
	if (!(may_be_empty && !*v) && !str_starts(v, "https://") && !str_starts(v, "http://"))
		return err_set(e, ERR_INVALID, "config.oauth", key, "%s must be an http(s) URL", key);
	if (strlen(v) >= size)
		return err_set(e, ERR_INVALID, "config.oauth", key, "%s is too long", key);
	str_copy(dst, v, size);
	return 0;
}

int oauth2_apps_set(struct oauth2_apps *apps, const char *key, const char *value, struct err *e)
{
	if (!str_starts(key, "oauth_"))
		return 1;
	const char *rest = key + 6;
	for (int i = 0; i < OAUTH2_NAPPS; i++) {
		struct oauth2_app *a = &apps->app[i];
		size_t nl = strlen(a->network);
		if (strncmp(rest, a->network, nl) != 0 || rest[nl] != '_')
			continue;
		const char *f = rest + nl + 1;
		if (strcmp(f, "client_id") == 0 || strcmp(f, "client_secret") == 0 || strcmp(f, "scopes") == 0) {
			char *dst = f[7] == 'i' ? a->client_id : f[7] == 's' ? a->client_secret : a->scopes;
			size_t size = f[7] == 'i'   ? sizeof a->client_id
				      : f[7] == 's' ? sizeof a->client_secret
						    : sizeof a->scopes;
			if (strlen(value) >= size)
				return err_set(e, ERR_INVALID, "config.oauth", key, "%s is too long", key);
			str_copy(dst, value, size);
			return 0;
		}
		if (strcmp(f, "authorize_url") == 0)
			return set_url(a->authorize_url, sizeof a->authorize_url, key, value, 0, e);
		if (strcmp(f, "token_url") == 0)
			return set_url(a->token_url, sizeof a->token_url, key, value, 0, e);
		if (strcmp(f, "api_url") == 0)
			return set_url(a->api_url, sizeof a->api_url, key, value, 0, e);
		if (strcmp(f, "userinfo_url") == 0)
			return set_url(a->userinfo_url, sizeof a->userinfo_url, key, value, 1, e);
		if (strcmp(f, "client_auth") == 0) {
			if (strcmp(value, "basic") != 0 && strcmp(value, "post") != 0)
				return err_set(e, ERR_INVALID, "config.oauth", key, "%s must be basic or post", key);
			a->auth_basic = strcmp(value, "basic") == 0;
			return 0;
		}
		return 1;
	}
	return 1;
}

void oauth2_configure(const struct oauth2_apps *apps)
{
	configured = *apps;
	have_configured = 1;
}

const struct oauth2_app *oauth2_app_for(const char *network)
{
	if (!have_configured) {
		oauth2_apps_defaults(&configured);
		have_configured = 1;
	}
	for (int i = 0; network && i < OAUTH2_NAPPS; i++)
		if (strcmp(configured.app[i].network, network) == 0)
			return &configured.app[i];
	return NULL;
}

/* ---- PKCE and forms ---------------------------------------------------- */

void oauth2_pkce(char verifier[64], char challenge[64])
{
	unsigned char raw[32];
	crypto_random(raw, sizeof raw);
	crypto_b64url(raw, sizeof raw, verifier, 64);
	struct crypto_sha256 h;
	char hex[65];
	crypto_sha256_init(&h);
	crypto_sha256_update(&h, verifier, strlen(verifier));
	crypto_sha256_final_hex(&h, hex);
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		raw[i] = (unsigned char)v;
	}
	crypto_b64url(raw, sizeof raw, challenge, 64);
}

void oauth2_form_add(struct buf *b, const char *k, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	if (b->len)
		buf_adds(b, "&");
	buf_adds(b, k);
	buf_adds(b, "=");
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~') {
			buf_add(b, p, 1);
		} else {
			char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_add(b, esc, 3);
		}
	}
}

/* ---- results ----------------------------------------------------------- */

static void set(struct net_result *r, enum net_outcome o, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void set(struct net_result *r, enum net_outcome o, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	r->outcome = o;
	r->http_status = status;
	str_copy(r->code, code, sizeof r->code);
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
}

/* A short printable copy of an error text from the server (error,
 * error_description): never its whole body, which could echo a token. */
static void printable(const char *s, char *out, size_t size)
{
	size_t n = 0;
	for (; s && *s && n + 1 < size && n < 120; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : ' ';
	out[n] = '\0';
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* No answer, or one that says "later": the grant may still be good. */
static int transient(const struct http_response *rs)
{
	return rs->error != HTTPC_OK || rs->status >= 500 || rs->status == 408 || rs->status == 429;
}

/* What a token endpoint answered: 0 with *answer (caller decrefs), or -1
 * with r set as oauth2_token_call says. Meta's Graph API writes errors as
 * {"error": {"message", "type", "code"}}; its code 190 is a token that is
 * expired or revoked. */
static int token_answer(const struct http_response *rs, json_t **answer, struct net_result *r)
{
	*answer = NULL;
	json_t *j = rs->error == HTTPC_OK ? json_loadb(rs->body.ptr, rs->body.len, 0, NULL) : NULL;
	int rc = -1;
	char err[128] = "", desc[128] = "";
	json_t *gerr = json_object_get(j, "error");
	if (json_is_object(gerr)) {
		printable(jstr(gerr, "type"), err, sizeof err);
		printable(jstr(gerr, "message"), desc, sizeof desc);
		if (json_integer_value(json_object_get(gerr, "code")) == 190)
			str_copy(err, "invalid_grant", sizeof err);
	} else {
		printable(jstr(j, "error"), err, sizeof err);
		printable(jstr(j, "error_description"), desc, sizeof desc);
	}
	if (transient(rs)) {
		if (rs->error != HTTPC_OK)
			set(r, NET_RETRY, 0, "oauth.unreachable", "the token endpoint did not answer: %s", rs->message);
		else
			set(r, NET_RETRY, (int)rs->status, "oauth.unreachable", "the token endpoint answered %ld%s%s",
			    rs->status, err[0] ? ": " : "", err);
		r->retry_after_ms = rs->retry_after_ms;
	} else if (rs->status == 400 || rs->status == 401 || rs->status == 403) {
		set(r, NET_AUTH, (int)rs->status,
		    strcmp(err, "invalid_grant") == 0 ? "oauth.invalid_grant" : "oauth.token_refused",
		    "the network refused the grant (%s%s%s): connect the channel again",
		    err[0] ? err : "no reason given", desc[0] ? ": " : "", desc);
	} else if (rs->status != 200 || !jstr(j, "access_token") || !*jstr(j, "access_token") ||
		   strlen(jstr(j, "access_token")) > OA.max_token ||
		   (jstr(j, "refresh_token") && strlen(jstr(j, "refresh_token")) > OA.max_token)) {
		set(r, NET_FAIL, (int)rs->status, "oauth.bad_answer",
		    "the token endpoint answered %ld without a usable token", rs->status);
	} else {
		*answer = json_incref(j);
		set(r, NET_OK, 200, "", "%s", "");
		rc = 0;
	}
	json_decref(j);
	return rc;
}

int oauth2_token_call(const struct oauth2_client *cl, const char *form, json_t **answer, struct net_result *r)
{
	*answer = NULL;
	struct buf body = BUF_INIT(64 * 1024), auth = BUF_INIT(4096);
	buf_adds(&body, form);
	const char *headers[4] = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL,
				  NULL};
	if (cl->auth_basic) {
		/* RFC 6749 2.3.1: id and secret form-encoded, joined by ':', in
		 * base64 with padding */
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		struct buf id = BUF_INIT(2048), sec = BUF_INIT(2048), pair = BUF_INIT(4096);
		oauth2_form_add(&id, "u", cl->client_id);
		oauth2_form_add(&sec, "s", cl->client_secret ? cl->client_secret : "");
		buf_addf(&pair, "%s:%s", buf_cstr(&id) + 2, buf_cstr(&sec) + 2);
		const unsigned char *p = (const unsigned char *)buf_cstr(&pair);
		size_t n = pair.len;
		buf_adds(&auth, "Authorization: Basic ");
		for (size_t i = 0; i < n; i += 3) {
			unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
				     (i + 2 < n ? p[i + 2] : 0);
			char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=',
				     i + 2 < n ? b64[v & 63] : '='};
			buf_add(&auth, q, 4);
		}
		buf_free(&id);
		crypto_free_secret(buf_steal(&sec));
		crypto_free_secret(buf_steal(&pair));
		headers[2] = buf_cstr(&auth);
	} else {
		oauth2_form_add(&body, "client_id", cl->client_id);
		if (cl->client_secret && *cl->client_secret)
			oauth2_form_add(&body, "client_secret", cl->client_secret);
	}
	struct http_request rq = {.method = "POST",
				  .url = cl->token_url,
				  .headers = headers,
				  .body = body.ptr,
				  .body_len = body.len,
				  .timeout_ms = OA.timeout_ms,
				  .max_response = OA.max_response};
	struct http_response rs;
	http_client_do(&rq, &rs);
	crypto_free_secret(buf_steal(&body));
	crypto_free_secret(buf_steal(&auth));
	int rc = token_answer(&rs, answer, r);
	http_response_free(&rs);
	return rc;
}

int64_t oauth2_expires_at(json_t *secrets)
{
	json_t *v = json_object_get(secrets, "expires_at_ms");
	if (json_is_integer(v))
		return json_integer_value(v);
	long long n = 0;
	if (json_is_string(v) && str_to_i64(json_string_value(v), &n) == 0)
		return n;
	return 0;
}

void oauth2_merge_tokens(json_t *secrets, json_t *answer, int64_t now_ms)
{
	json_object_set_new(secrets, "access_token", json_string(jstr(answer, "access_token")));
	const char *rt = jstr(answer, "refresh_token");
	if (rt && *rt)
		json_object_set_new(secrets, "refresh_token", json_string(rt));
	const char *scope = jstr(answer, "scope");
	if (scope)
		json_object_set_new(secrets, "scope", json_string(scope));
	json_t *ei = json_object_get(answer, "expires_in");
	long long secs = json_is_integer(ei) ? json_integer_value(ei) : 0;
	if (json_is_string(ei))
		str_to_i64(json_string_value(ei), &secs);
	if (secs > 0) {
		if (secs > OA.max_expires_in)
			secs = OA.max_expires_in;
		json_object_set_new(secrets, "expires_at_ms", json_integer(now_ms + secs * 1000));
	} else {
		json_object_del(secrets, "expires_at_ms");
	}
}

int oauth2_refresh(struct net_account *a, const char *token_url, const char *client_id, const char *client_secret,
		   int auth_basic, struct net_result *r)
{
	const char *rt = jstr(a->secrets, "refresh_token");
	if (!rt || !*rt) {
		set(r, NET_AUTH, 0, "oauth.no_refresh_token", "%s",
		    "the access token expired and there is no refresh token: connect the channel again");
		return -1;
	}
	struct buf form = BUF_INIT(16 * 1024);
	oauth2_form_add(&form, "grant_type", "refresh_token");
	oauth2_form_add(&form, "refresh_token", rt);
	struct oauth2_client cl = {token_url, client_id, client_secret, auth_basic};
	json_t *answer = NULL;
	int rc = oauth2_token_call(&cl, buf_cstr(&form), &answer, r);
	crypto_free_secret(buf_steal(&form));
	if (rc)
		return rc;
	oauth2_merge_tokens(a->secrets, answer, time_now_ms());
	json_decref(answer);
	a->state_changed = 1;
	return 0;
}

/* ---- renewing a connected account's tokens ------------------------------- */

/* How each network renews (../shared/NETWORKS.md and the networks' docs):
 * X and LinkedIn spend a refresh token (RFC 6749 6); Meta renews the
 * long-lived access token itself — Facebook by exchanging it at the Graph
 * token endpoint (grant_type=fb_exchange_token, with the app's id and
 * secret), Instagram (Instagram login) and Threads with GET
 * /refresh_access_token (ig_refresh_token, th_refresh_token) on their API
 * host; Mastodon's tokens do not expire. ahead_ms: renew when the token
 * expires sooner than this (Meta's tokens live 60 days and may be renewed
 * once a day old). */
enum renewal { RENEW_NONE, RENEW_REFRESH_TOKEN, RENEW_FB_EXCHANGE, RENEW_IG_REFRESH, RENEW_TH_REFRESH, RENEW_NEVER };
static const struct {
	const char *network;
	enum renewal how;
	int64_t ahead_ms;
} RENEWALS[] = {
    {"x", RENEW_REFRESH_TOKEN, 5 * 60 * 1000},		 {"linkedin", RENEW_REFRESH_TOKEN, 5 * 60 * 1000},
    {"facebook", RENEW_FB_EXCHANGE, 7LL * 86400 * 1000}, {"instagram", RENEW_IG_REFRESH, 7LL * 86400 * 1000},
    {"threads", RENEW_TH_REFRESH, 7LL * 86400 * 1000},	 {"mastodon", RENEW_NEVER, 0},
};

static int renewal_of(const char *network)
{
	for (size_t i = 0; network && i < sizeof RENEWALS / sizeof RENEWALS[0]; i++)
		if (strcmp(RENEWALS[i].network, network) == 0)
			return (int)i;
	return -1;
}

int oauth2_renewable(const char *network, json_t *secrets)
{
	int i = renewal_of(network);
	if (i < 0)
		return 0;
	const char *need = RENEWALS[i].how == RENEW_REFRESH_TOKEN ? "refresh_token" : "access_token";
	return jstr(secrets, need) && *jstr(secrets, need);
}

int64_t oauth2_renew_ahead_ms(const char *network)
{
	int i = renewal_of(network);
	return i < 0 ? 5 * 60 * 1000 : RENEWALS[i].ahead_ms;
}

/* GET url?query (the query holds a token: wiped after) at a Meta token
 * endpoint; the answer as oauth2_token_call's. */
static int token_get(const char *url, struct buf *query, json_t **answer, struct net_result *r)
{
	struct buf full = BUF_INIT(32 * 1024);
	buf_addf(&full, "%s%c%s", url, strchr(url, '?') ? '&' : '?', buf_cstr(query));
	crypto_free_secret(buf_steal(query));
	const char *headers[] = {"Accept: application/json", NULL};
	struct http_request rq = {.method = "GET",
				  .url = buf_cstr(&full),
				  .headers = headers,
				  .timeout_ms = OA.timeout_ms,
				  .max_response = OA.max_response};
	struct http_response rs;
	http_client_do(&rq, &rs);
	crypto_free_secret(buf_steal(&full));
	int rc = token_answer(&rs, answer, r);
	http_response_free(&rs);
	return rc;
}

/* "https://host[:port]" of an API root, in out. */
static void origin_of(const char *url, char *out, size_t size)
{
	const char *host = strstr(url, "://");
	size_t n = host ? (size_t)(host + 3 - url) + strcspn(host + 3, "/?#") : strlen(url);
	snprintf(out, size, "%.*s", (int)n, url);
}

int oauth2_refresh_account(struct net_account *a, struct net_result *r)
{
	int i = renewal_of(a->network);
	const struct oauth2_app *app = oauth2_app_for(a->network);
	enum renewal how = i < 0 ? RENEW_NONE : RENEWALS[i].how;
	if (how == RENEW_NEVER) {
		set(r, NET_FAIL, 0, "oauth.no_expiry", "%s",
		    "this network's access tokens do not expire: nothing to refresh");
		return -1;
	}
	if (how == RENEW_NONE || !app) {
		set(r, NET_FAIL, 0, "oauth.unsupported", "%s", "this network's tokens are not renewed through OAuth");
		return -1;
	}
	if (how == RENEW_REFRESH_TOKEN || how == RENEW_FB_EXCHANGE) {
		if (!app->client_id[0]) {
			set(r, NET_FAIL, 0, "oauth.not_configured", "%s",
			    "the network's app is not configured on this kanal: the tokens cannot be refreshed");
			return -1;
		}
	}
	if (how == RENEW_REFRESH_TOKEN)
		return oauth2_refresh(a, app->token_url, app->client_id, app->client_secret, app->auth_basic, r);
	const char *at = jstr(a->secrets, "access_token");
	if (!at || !*at) {
		set(r, NET_AUTH, 0, "oauth.no_refresh_token", "%s",
		    "the channel has no access token to renew: connect the channel again");
		return -1;
	}
	struct buf q = BUF_INIT(16 * 1024);
	char url[600];
	if (how == RENEW_FB_EXCHANGE) {
		str_copy(url, app->token_url, sizeof url);
		oauth2_form_add(&q, "grant_type", "fb_exchange_token");
		oauth2_form_add(&q, "client_id", app->client_id);
		oauth2_form_add(&q, "client_secret", app->client_secret);
		oauth2_form_add(&q, "fb_exchange_token", at);
	} else {
		char origin[520];
		origin_of(a->base_url && *a->base_url ? a->base_url : app->api_url, origin, sizeof origin);
		snprintf(url, sizeof url, "%s/refresh_access_token", origin);
		oauth2_form_add(&q, "grant_type", how == RENEW_IG_REFRESH ? "ig_refresh_token" : "th_refresh_token");
		oauth2_form_add(&q, "access_token", at);
	}
	json_t *answer = NULL;
	if (token_get(url, &q, &answer, r))
		return -1;
	oauth2_merge_tokens(a->secrets, answer, time_now_ms());
	json_decref(answer);
	a->state_changed = 1;
	return 0;
}

/* ---- reads and registration ------------------------------------------- */

int oauth2_get_json(const char *url, const char *access_token, json_t **out, struct net_result *r)
{
	*out = NULL;
	struct buf auth = BUF_INIT(8192);
	buf_addf(&auth, "Authorization: Bearer %s", access_token);
	const char *headers[] = {buf_cstr(&auth), "Accept: application/json", NULL};
	struct http_request rq = {.method = "GET",
				  .url = url,
				  .headers = headers,
				  .timeout_ms = OA.timeout_ms,
				  .max_response = OA.max_response};
	struct http_response rs;
	http_client_do(&rq, &rs);
	crypto_free_secret(buf_steal(&auth));
	json_t *j = rs.error == HTTPC_OK && rs.status == 200 ? json_loadb(rs.body.ptr, rs.body.len, 0, NULL) : NULL;
	int rc = -1;
	if (rs.error != HTTPC_OK)
		set(r, NET_RETRY, 0, "oauth.userinfo_failed", "the account could not be read: %s", rs.message);
	else if (!json_is_object(j))
		set(r,
		    transient(&rs)     ? NET_RETRY
		    : rs.status == 401 ? NET_AUTH
				       : NET_FAIL,
		    (int)rs.status, "oauth.userinfo_failed", "the account could not be read (HTTP %ld)", rs.status);
	else {
		*out = json_incref(j);
		rc = 0;
	}
	json_decref(j);
	http_response_free(&rs);
	return rc;
}

int oauth2_handle_of(json_t *answer, char *out, size_t size)
{
	static const char *const keys[] = {"username", "preferred_username", "name", "sub", "id", NULL};
	json_t *data = json_object_get(answer, "data");
	const char *h = jstr(data, "username");
	for (int i = 0; !h && keys[i]; i++)
		h = jstr(answer, keys[i]);
	if (!h || !*h)
		return -1;
	printable(h, out, size);
	return 0;
}

int oauth2_mastodon_register(const char *instance, const char *redirect_uri, const char *scopes, const char *website,
			     char *client_id, size_t id_size, char *client_secret, size_t secret_size,
			     struct net_result *r)
{
	char url[1100];
	snprintf(url, sizeof url, "%s/api/v1/apps", instance);
	json_t *req = json_pack("{ss ss ss ss}", "client_name", "kanal", "redirect_uris", redirect_uri, "scopes",
				scopes, "website", website);
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	const char *headers[] = {"Content-Type: application/json", "Accept: application/json", NULL};
	struct http_request rq = {.method = "POST",
				  .url = url,
				  .headers = headers,
				  .body = body,
				  .body_len = strlen(body),
				  .timeout_ms = OA.timeout_ms,
				  .max_response = OA.max_response};
	struct http_response rs;
	http_client_do(&rq, &rs);
	free(body);
	json_t *j = rs.error == HTTPC_OK ? json_loadb(rs.body.ptr, rs.body.len, 0, NULL) : NULL;
	const char *id = jstr(j, "client_id"), *secret = jstr(j, "client_secret");
	int rc = -1;
	if (rs.error != HTTPC_OK)
		set(r, NET_RETRY, 0, "oauth.instance_unreachable", "the instance did not answer: %s", rs.message);
	else if (rs.status != 200 || !id || !secret || !*id || strlen(id) >= id_size || strlen(secret) >= secret_size)
		set(r, transient(&rs) ? NET_RETRY : NET_FAIL, (int)rs.status, "oauth.instance_refused",
		    "the instance refused to register kanal (HTTP %ld)", rs.status);
	else {
		str_copy(client_id, id, id_size);
		str_copy(client_secret, secret, secret_size);
		rc = 0;
	}
	json_decref(j);
	http_response_free(&rs);
	return rc;
}
