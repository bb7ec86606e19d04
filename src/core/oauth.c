/* oauth: connecting a channel through the network's authorization page
 * (authorization code + PKCE, state bound to the browser session, single
 * use, short-lived), Mastodon's per-instance app registration, and the
 * token refresh that one worker at a time may do for a channel. The HTTP
 * on the wire is src/net/oauth2.c; this file decides and stores. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "core/content.h"
#include "core/publish.h"
#include "net/connector.h"
#include "net/oauth2.h"

/* Every limit and constant in one place. */
static const struct {
	int64_t state_ttl_ms;  /* an authorization must come back within this */
	int64_t claim_ms;      /* a refresh claim runs out after this (a crashed worker's) */
	int64_t claim_wait_ms; /* how long to wait for another worker's refresh */
	const char *mastodon_scopes;
	const char *purpose; /* the key derived for sealing verifiers and instance apps */
} OAUTH = {
    .state_ttl_ms = 10 * 60 * 1000,
    .claim_ms = 60 * 1000,
    .claim_wait_ms = 20 * 1000,
    .mastodon_scopes = "write:statuses write:media read:statuses",
    .purpose = "oauth",
};

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The redirect URI every app is registered with. */
static int redirect_uri(const char *public_url, char *out, size_t size, struct err *e)
{
	if (!public_url || !*public_url)
		return err_set(e, ERR_CONFLICT, "oauth.not_configured", "",
			       "set KANAL_PUBLIC_URL (the address people reach kanal at): the network sends them back "
			       "to <public URL>/oauth/callback");
	size_t n = strlen(public_url);
	while (n && public_url[n - 1] == '/')
		n--;
	snprintf(out, size, "%.*s/oauth/callback", (int)n, public_url);
	return 0;
}

/* "https://Host:port[/]" -> "https://host:port"; anything with a path,
 * query, user part or odd character is refused. */
static int instance_of(const char *url, char *out, size_t size, struct err *e)
{
	const char *host = url && str_starts(url, "https://")  ? url + 8
			   : url && str_starts(url, "http://") ? url + 7
							       : NULL;
	size_t hl = host ? strcspn(host, "/") : 0;
	int bad = !host || hl == 0 || hl > 253 || (host[hl] && strcmp(host + hl, "/") != 0);
	for (size_t i = 0; !bad && i < hl; i++) {
		char c = host[i];
		bad = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			c == '.' || c == ':' || c == '[' || c == ']');
	}
	if (bad)
		return err_set(e, ERR_INVALID, "oauth.instance_url", "$.instance_url",
			       "the Mastodon instance as https://host (no path), e.g. https://mastodon.social");
	size_t sl = (size_t)(host - url);
	snprintf(out, size, "%.*s%.*s", (int)sl, url, (int)hl, host);
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return 0;
}

/* ---- Mastodon: kanal's app on each instance ---------------------------- */

struct inst_app {
	char id[256], secret[256];
};

static int app_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	const char *v = store_text(c[0], r, 0);
	*(char **)c[1] = v ? xstrdup(v) : NULL;
	return 1;
}

/* The instance's app. ERR_NOTFOUND when there is none, or when the row
 * cannot be opened (sealed under a key since dropped): then *stale (when
 * given; caller frees) is that row's sealed value, for app_get to replace. */
static int app_load(struct store *st, const char *instance, struct inst_app *app, char **stale, struct err *e)
{
	char *sealed = NULL;
	void *c[] = {st, &sealed};
	struct store_val v[] = {SV_S(instance)};
	if (stale)
		*stale = NULL;
	int rc = store_exec(st, Q_OAUTH_APP_GET, v, NARGS(v), app_row, c, e);
	if (rc < 0)
		return rc;
	if (!sealed)
		return ERR_NOTFOUND;
	size_t n = 0;
	char *plain = crypto_open(OAUTH.purpose, instance, sealed, &n);
	json_t *j = plain ? json_loadb(plain, n, 0, NULL) : NULL;
	crypto_free_secret(plain);
	rc = ERR_NOTFOUND;
	if (jstr(j, "client_id") && jstr(j, "client_secret")) {
		str_copy(app->id, jstr(j, "client_id"), sizeof app->id);
		str_copy(app->secret, jstr(j, "client_secret"), sizeof app->secret);
		rc = 0;
	}
	json_decref(j);
	if (rc && stale)
		*stale = sealed;
	else
		free(sealed);
	return rc;
}

/* The app kanal has on the instance, registered on first use, and again
 * when the stored one cannot be opened (its key was dropped): the new one
 * replaces it. Two registrations racing: the first stored wins and both
 * use it. */
static int app_get(struct store *st, const char *instance, const char *redirect, const char *public_url,
		   struct inst_app *app, struct err *e)
{
	char *stale = NULL;
	int rc = app_load(st, instance, app, &stale, e);
	if (rc != ERR_NOTFOUND)
		return rc;
	struct net_result r;
	memset(&r, 0, sizeof r);
	if (oauth2_mastodon_register(instance, redirect, OAUTH.mastodon_scopes, public_url, app->id, sizeof app->id,
				     app->secret, sizeof app->secret, &r)) {
		free(stale);
		return err_set(e, r.outcome == NET_RETRY ? ERR_UNAVAILABLE : ERR_UPSTREAM, r.code, "$.instance_url",
			       "%s", r.message);
	}
	json_t *j = json_pack("{ss ss}", "client_id", app->id, "client_secret", app->secret);
	char *plain = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	char *sealed = crypto_seal(OAUTH.purpose, instance, plain, strlen(plain));
	crypto_free_secret(plain);
	struct store_val v[] = {SV_S(instance), SV_S(sealed), SV_I(time_now_ms()), SV_S(stale)};
	rc = store_exec(st, stale ? Q_OAUTH_APP_REPLACE : Q_OAUTH_APP_PUT, v, stale ? 4 : 3, NULL, NULL, e);
	int replaced = stale != NULL;
	free(sealed);
	free(stale);
	if (rc)
		return rc;
	log_info("oauth: registered kanal on %s%s", instance, replaced ? " (the stored app could not be opened)" : "");
	/* another registration stored first: use that one (ours stays unused) */
	struct inst_app stored;
	if (app_load(st, instance, &stored, NULL, NULL) == 0)
		*app = stored;
	return 0;
}

/* ---- key rotation --------------------------------------------------------- */

static int sealed_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	json_t *row = json_array();
	for (int i = 0; i < 3; i++) {
		const char *t = store_text(st, r, i);
		json_array_append_new(row, t ? json_string(t) : json_null());
	}
	json_array_append_new(c[1], row);
	return 0;
}

/* One value under the current key (caller frees), or NULL when it does not
 * open. */
static char *reseal_value(const char *ad, const char *sealed, const char *kid)
{
	size_t kl = strlen(kid), n = 0;
	if (strncmp(sealed, kid, kl) == 0 && sealed[kl] == '.')
		return xstrdup(sealed);
	char *plain = crypto_open(OAUTH.purpose, ad, sealed, &n);
	if (!plain)
		return NULL;
	char *out = crypto_seal(OAUTH.purpose, ad, plain, n);
	crypto_free_secret(plain);
	return out;
}

int oauth_reseal_all(struct store *st, long *resealed, struct err *e)
{
	char kid[10];
	crypto_key_id(OAUTH.purpose, kid);
	*resealed = 0;
	json_t *apps = json_array(), *states = json_array(), *row;
	void *ca[] = {st, apps}, *cs[] = {st, states};
	int rc = store_exec(st, Q_OAUTH_APP_SEALED_ALL, NULL, 0, sealed_row, ca, e);
	if (rc >= 0)
		rc = store_exec(st, Q_OAUTH_STATE_SEALED_ALL, NULL, 0, sealed_row, cs, e);
	rc = rc < 0 ? rc : 0;
	size_t i;
	/* a value that does not open stays: an app is registered again on
	 * its next use, a state runs out within minutes */
	json_array_foreach(apps, i, row)
	{
		const char *inst = json_string_value(json_array_get(row, 0));
		const char *old = json_string_value(json_array_get(row, 1));
		char *nv = rc || !inst || !old ? NULL : reseal_value(inst, old, kid);
		if (nv && strcmp(nv, old) != 0) {
			struct store_val v[] = {SV_S(nv), SV_S(inst)};
			if (!(rc = store_exec(st, Q_OAUTH_APP_RESEAL, v, NARGS(v), NULL, NULL, e)))
				++*resealed;
		} else if (!nv && !rc) {
			log_warn("oauth: kanal's app on %s cannot be opened: it will be registered again", inst);
		}
		free(nv);
	}
	json_array_foreach(states, i, row)
	{
		const char *id = json_string_value(json_array_get(row, 0));
		const char *ch = json_string_value(json_array_get(row, 1));
		const char *old = json_string_value(json_array_get(row, 2));
		long long sid = 0;
		char ad[40];
		snprintf(ad, sizeof ad, "oauth-state:%s", ch ? ch : "");
		char *nv = rc || !id || !old || str_to_i64(id, &sid) ? NULL : reseal_value(ad, old, kid);
		if (nv && strcmp(nv, old) != 0) {
			struct store_val v[] = {SV_S(nv), SV_I(sid)};
			if (!(rc = store_exec(st, Q_OAUTH_STATE_RESEAL, v, NARGS(v), NULL, NULL, e)))
				++*resealed;
		}
		free(nv);
	}
	json_decref(apps);
	json_decref(states);
	if (rc)
		*resealed = 0;
	return rc;
}

/* ---- starting ------------------------------------------------------------ */

int oauth_start(struct store *st, const struct actor *a, int64_t session_id, int64_t ws, int64_t channel,
		const char *public_url, json_t *body, json_t **out, struct err *e)
{
	*out = NULL;
	json_t *ch = NULL;
	int rc = channel_get(st, ws, channel, &ch, e);
	if (rc)
		return rc;
	char network[32], redirect[600], instance[300] = "";
	str_copy(network, jstr(ch, "network"), sizeof network);
	json_decref(ch);
	static const char *const keys[] = {"instance_url", NULL};
	if (body && (rc = json_only_keys(body, keys, e)))
		return rc;
	const struct oauth2_app *app = oauth2_app_for(network);
	if (strcmp(network, "mastodon") != 0 && !app)
		return err_set(e, ERR_INVALID, "oauth.unsupported", "",
			       "%s channels do not connect through OAuth: give their credentials instead", network);
	if (app && !app->client_id[0]) {
		char up[16];
		str_copy(up, network, sizeof up);
		for (char *c = up; *c; c++)
			*c = (char)(*c - 'a' + 'A');
		return err_set(e, ERR_CONFLICT, "oauth.not_configured", "",
			       "the instance admin has not set up a %s app: set KANAL_OAUTH_%s_CLIENT_ID and "
			       "KANAL_OAUTH_%s_CLIENT_SECRET (or oauth_%s_client_id in kanal.conf)",
			       network, up, up, network);
	}
	if ((rc = redirect_uri(public_url, redirect, sizeof redirect, e)))
		return rc;
	struct inst_app iapp;
	memset(&iapp, 0, sizeof iapp);
	const char *client_id, *authorize, *scopes;
	char mauth[400];
	if (!app) {
		if ((rc = instance_of(jstr(body, "instance_url"), instance, sizeof instance, e)) ||
		    (rc = app_get(st, instance, redirect, public_url, &iapp, e)))
			return rc;
		snprintf(mauth, sizeof mauth, "%s/oauth/authorize", instance);
		client_id = iapp.id;
		authorize = mauth;
		scopes = OAUTH.mastodon_scopes;
	} else {
		if (jstr(body, "instance_url"))
			return err_set(e, ERR_INVALID, "oauth.instance_url", "$.instance_url",
				       "only Mastodon channels take an instance URL");
		client_id = app->client_id;
		authorize = app->authorize_url;
		scopes = app->scopes;
	}
	unsigned char raw[32];
	char state[64], hash[65], verifier[64], challenge[64], ad[40];
	crypto_random(raw, sizeof raw);
	crypto_b64url(raw, sizeof raw, state, sizeof state);
	crypto_hash_hex(state, strlen(state), hash);
	oauth2_pkce(verifier, challenge);
	snprintf(ad, sizeof ad, "oauth-state:%lld", (long long)channel);
	char *venc = crypto_seal(OAUTH.purpose, ad, verifier, strlen(verifier));
	crypto_random(verifier, sizeof verifier);
	int64_t now = time_now_ms(), expires = now + OAUTH.state_ttl_ms;
	struct store_val pv = SV_I(now);
	struct store_val v[] = {SV_S(hash),    SV_I(session_id), SV_I(a->user_id), SV_I(ws),
				SV_I(channel), SV_S(network),	 SV_S(venc),	   SV_S(instance[0] ? instance : NULL),
				SV_I(now),     SV_I(expires)};
	if (!(rc = store_exec(st, Q_OAUTH_STATE_PURGE, &pv, 1, NULL, NULL, e)))
		rc = store_exec(st, Q_OAUTH_STATE_INSERT, v, NARGS(v), NULL, NULL, e);
	free(venc);
	if (rc)
		return rc;
	struct buf u = BUF_INIT(8192), q = BUF_INIT(8192);
	oauth2_form_add(&q, "response_type", "code");
	oauth2_form_add(&q, "client_id", client_id);
	oauth2_form_add(&q, "redirect_uri", redirect);
	oauth2_form_add(&q, "scope", scopes);
	oauth2_form_add(&q, "state", state);
	oauth2_form_add(&q, "code_challenge", challenge);
	oauth2_form_add(&q, "code_challenge_method", "S256");
	buf_addf(&u, "%s%c%s", authorize, strchr(authorize, '?') ? '&' : '?', buf_cstr(&q));
	char when[40];
	time_fmt_rfc3339(expires, when, sizeof when);
	*out = json_pack("{ss ss}", "authorize_url", buf_cstr(&u), "expires_at", when);
	buf_free(&u);
	buf_free(&q);
	return 0;
}

/* ---- the callback -------------------------------------------------------- */

struct taken {
	int found;
	int64_t user, ws, channel;
	char network[32], instance[300];
	char *venc;
};

static int taken_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	struct taken *t = c[1];
	t->found = 1;
	t->user = store_int(st, r, 0);
	t->ws = store_int(st, r, 1);
	t->channel = store_int(st, r, 2);
	str_copy(t->network, store_text(st, r, 3), sizeof t->network);
	t->venc = xstrdup(store_text(st, r, 4));
	const char *inst = store_text(st, r, 5);
	str_copy(t->instance, inst ? inst : "", sizeof t->instance);
	return 1;
}

/* Exchange the code and name the account; *sealed is the account layout. */
static int exchange(struct store *st, const struct taken *t, const char *code, const char *verifier,
		    const char *redirect, const char *public_url, json_t **sealed, struct err *e)
{
	const struct oauth2_app *app = oauth2_app_for(t->network);
	struct inst_app iapp;
	struct oauth2_client cl;
	char token_url[400], who_url[400];
	int rc;
	if (t->instance[0]) {
		if ((rc = app_get(st, t->instance, redirect, public_url, &iapp, e)))
			return rc;
		snprintf(token_url, sizeof token_url, "%s/oauth/token", t->instance);
		snprintf(who_url, sizeof who_url, "%s/api/v1/accounts/verify_credentials", t->instance);
		cl = (struct oauth2_client){token_url, iapp.id, iapp.secret, 0};
	} else if (app && app->client_id[0]) {
		str_copy(who_url, app->userinfo_url, sizeof who_url);
		cl = (struct oauth2_client){app->token_url, app->client_id, app->client_secret, app->auth_basic};
	} else {
		return err_set(e, ERR_CONFLICT, "oauth.not_configured", "", "the %s app is no longer configured",
			       t->network);
	}
	struct buf form = BUF_INIT(16 * 1024);
	oauth2_form_add(&form, "grant_type", "authorization_code");
	oauth2_form_add(&form, "code", code);
	oauth2_form_add(&form, "redirect_uri", redirect);
	oauth2_form_add(&form, "code_verifier", verifier);
	struct net_result r;
	memset(&r, 0, sizeof r);
	json_t *answer = NULL;
	rc = oauth2_token_call(&cl, buf_cstr(&form), &answer, &r);
	crypto_free_secret(buf_steal(&form));
	if (rc)
		return err_set(e, r.outcome == NET_RETRY ? ERR_UNAVAILABLE : ERR_UPSTREAM,
			       r.outcome == NET_AUTH ? "oauth.exchange_refused" : r.code, "", "%s", r.message);
	json_t *secrets = json_object();
	oauth2_merge_tokens(secrets, answer, time_now_ms());
	json_decref(answer);
	char handle[300] = "";
	if (who_url[0]) {
		json_t *who = NULL;
		if (oauth2_get_json(who_url, jstr(secrets, "access_token"), &who, &r)) {
			json_decref(secrets);
			return err_set(e, ERR_UPSTREAM, r.code, "", "%s", r.message);
		}
		if (t->instance[0] && jstr(who, "acct"))
			snprintf(handle, sizeof handle, "@%s@%s", jstr(who, "acct"), strstr(t->instance, "://") + 3);
		else
			oauth2_handle_of(who, handle, sizeof handle);
		json_decref(who);
	}
	*sealed = json_pack("{so ss}", "secrets", secrets, "base_url", t->instance[0] ? t->instance : app->api_url);
	if (handle[0])
		json_object_set_new(*sealed, "handle", json_string(handle));
	return 0;
}

int oauth_finish(struct store *st, const struct actor *a, int64_t session_id, const char *public_url, const char *state,
		 const char *code, const char *error, int64_t *ws, int64_t *channel, struct err *e)
{
	*channel = 0;
	*ws = 0;
	if (!state || strlen(state) < 40 || strlen(state) > 100)
		return err_set(e, ERR_INVALID, "oauth.state_invalid", "state",
			       "this authorization is unknown, used, expired or another session's: start again");
	char hash[65], redirect[600];
	crypto_hash_hex(state, strlen(state), hash);
	struct taken t;
	memset(&t, 0, sizeof t);
	void *c[] = {st, &t};
	struct store_val v[] = {SV_S(hash), SV_I(session_id), SV_I(time_now_ms())};
	int rc = store_exec(st, Q_OAUTH_STATE_TAKE, v, NARGS(v), taken_row, c, e);
	if (rc < 0)
		return rc;
	if (!t.found || t.user != a->user_id) {
		free(t.venc);
		return err_set(e, ERR_INVALID, "oauth.state_invalid", "state",
			       "this authorization is unknown, used, expired or another session's: start again");
	}
	*channel = t.channel;
	*ws = t.ws;
	enum role role;
	char ad[40];
	snprintf(ad, sizeof ad, "oauth-state:%lld", (long long)t.channel);
	size_t n = 0;
	char *verifier = crypto_open(OAUTH.purpose, ad, t.venc, &n);
	free(t.venc);
	json_t *sealed = NULL;
	if ((rc = authz_check(st, a, t.ws, PERM_CHANNELS, &role, e)))
		;
	else if (error)
		rc = err_set(e, ERR_FORBIDDEN,
			     strcmp(error, "access_denied") == 0 ? "oauth.denied" : "oauth.provider_error", "",
			     "the network did not authorize kanal (%.60s)", error);
	else if (!code || !*code || strlen(code) > 4096)
		rc = err_set(e, ERR_INVALID, "oauth.provider_error", "code", "the network sent no authorization code");
	else if (!verifier)
		rc = err_set(e, ERR_INTERNAL, "oauth.state_invalid", "",
			     "the authorization could not be read: start again");
	else if (!(rc = redirect_uri(public_url, redirect, sizeof redirect, e)) &&
		 !(rc = exchange(st, &t, code, verifier, redirect, public_url, &sealed, e))) {
		json_t *chan = NULL;
		if (!(rc = channel_get(st, t.ws, t.channel, &chan, e)))
			rc = account_put_oauth(st, a, t.ws, t.channel, t.network, sealed, e);
		json_decref(chan);
	}
	crypto_free_secret(verifier);
	json_decref(sealed);
	return rc;
}

/* ---- refresh --------------------------------------------------------------- */

static void claim_release(struct store *st, int64_t ws, int64_t channel, const char *owner)
{
	struct store_val v[] = {SV_I(ws), SV_I(channel), SV_S(owner)};
	store_exec(st, Q_ACCOUNT_REFRESH_RELEASE, v, NARGS(v), NULL, NULL, NULL);
}

static int claim(struct store *st, int64_t ws, int64_t channel, const char *owner, struct err *e)
{
	int64_t deadline = time_now_ms() + OAUTH.claim_wait_ms;
	for (;;) {
		int64_t now = time_now_ms();
		struct store_val v[] = {SV_S(owner), SV_I(now + OAUTH.claim_ms), SV_I(now), SV_I(ws), SV_I(channel)};
		int rc = store_exec(st, Q_ACCOUNT_REFRESH_CLAIM, v, NARGS(v), NULL, NULL, e);
		if (rc)
			return rc;
		if (store_changes(st) == 1)
			return 0;
		if (now >= deadline)
			return 1;
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static void result(struct net_result *r, enum net_outcome o, const char *code, const char *msg)
{
	r->outcome = o;
	str_copy(r->code, code, sizeof r->code);
	str_copy(r->message, msg, sizeof r->message);
}

int oauth_fresh_tokens(struct store *st, int64_t ws, int64_t channel, const char *network, int force, const char *owner,
		       json_t **sealed, struct net_result *r, struct err *e)
{
	memset(r, 0, sizeof *r);
	json_t *secrets = json_object_get(*sealed, "secrets");
	int64_t exp = oauth2_expires_at(secrets), now = time_now_ms();
	if (!force && !(exp > 0 && exp - now < oauth2_renew_ahead_ms(network)))
		return 0;
	if (!oauth2_renewable(network, secrets)) {
		if (!force)
			return 0; /* nothing to refresh with: the network decides */
		result(r, NET_AUTH, "oauth.no_refresh_token",
		       "the network gave no refresh token: connect the channel again");
		return 1;
	}
	char *before = xstrdup(jstr(secrets, "access_token") ? jstr(secrets, "access_token") : "");
	int rc = claim(st, ws, channel, owner, e);
	if (rc) {
		crypto_free_secret(before);
		if (rc > 0)
			result(r, NET_RETRY, "oauth.refresh_busy",
			       "another worker is refreshing this channel's tokens");
		return rc;
	}
	/* Claimed: read again, another worker may have refreshed meanwhile. */
	json_t *fresh = NULL, *state = NULL;
	if ((rc = account_load(st, ws, channel, &fresh, &state, e))) {
		crypto_free_secret(before);
		claim_release(st, ws, channel, owner);
		return rc;
	}
	json_decref(state);
	json_t *fs = json_object_get(fresh, "secrets");
	int changed = !jstr(fs, "access_token") || strcmp(jstr(fs, "access_token"), before) != 0;
	crypto_free_secret(before);
	if (changed) {
		claim_release(st, ws, channel, owner);
		json_decref(*sealed);
		*sealed = fresh;
		return 0;
	}
	/* the network's own way, as its connector does it (net/oauth2.c) */
	const struct connector *conn = connector_for(network);
	struct net_account acct = {
	    .network = network, .base_url = jstr(fresh, "base_url"), .secrets = json_deep_copy(fs)};
	if (conn && conn->refresh)
		rc = conn->refresh(&acct, r);
	else {
		result(r, NET_FAIL, "oauth.unsupported", "this network's tokens are not renewed through OAuth");
		rc = -1;
	}
	if (rc) {
		claim_release(st, ws, channel, owner);
		json_decref(acct.secrets);
		json_decref(fresh);
		log_warn("oauth: refreshing the tokens of channel %lld: %s", (long long)channel, r->message);
		if (r->outcome == NET_AUTH) {
			struct err e2;
			err_clear(&e2);
			account_needs_reconnect(st, ws, channel, &e2);
		} else if (r->outcome != NET_FAIL) {
			r->outcome = NET_RETRY;
		}
		return 1;
	}
	json_object_set_new(fresh, "secrets", acct.secrets);
	if ((rc = account_save_refreshed(st, ws, channel, fresh, owner, e))) {
		json_decref(fresh);
		result(r, NET_RETRY, "oauth.refresh_claim_lost",
		       "the refreshed tokens could not be saved; trying later");
		return 1;
	}
	log_info("oauth: refreshed the tokens of channel %lld", (long long)channel);
	json_decref(*sealed);
	*sealed = fresh;
	memset(r, 0, sizeof *r);
	return 0;
}
