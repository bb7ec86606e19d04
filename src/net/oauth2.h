/* oauth2: OAuth 2.0 on the wire for the networks that connect by it (X,
 * LinkedIn, Facebook, Instagram, Threads through an app the instance admin
 * configures; Mastodon through an app kanal registers on each instance):
 * the apps' settings, PKCE, the token endpoint (authorization code and
 * refresh grants, client_secret_basic or client_secret_post), and the two
 * reads that name the account. Nothing here touches the store or logs a
 * token; messages in net_result are safe to show. */
#ifndef KANAL_OAUTH2_H
#define KANAL_OAUTH2_H

#include <jansson.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/connector.h"

#define OAUTH2_NAPPS 5 /* x, linkedin, facebook, instagram, threads */

/* One network's app, as the instance admin set it (flags > KANAL_OAUTH_<NET>_<FIELD> >
 * kanal.conf oauth_<net>_<field> > the network's real endpoints). */
struct oauth2_app {
	char network[16];
	char client_id[256], client_secret[256];
	char authorize_url[512], token_url[512];
	char api_url[512];	/* becomes the account's base_url */
	char userinfo_url[512]; /* read after connecting for the handle; empty: none */
	char scopes[512];
	int auth_basic; /* 1: client_secret_basic (default), 0: client_secret_post */
};
struct oauth2_apps {
	struct oauth2_app app[OAUTH2_NAPPS];
};

/* The settable fields, for the config loader: "client_id", ..., NULL. */
extern const char *const oauth2_fields[];
/* The networks, in app[] order: "x", ..., NULL. */
extern const char *const oauth2_networks[];

/* Every app with the network's real endpoints and scopes, no client. */
void oauth2_apps_defaults(struct oauth2_apps *apps);
/* Apply one setting "oauth_<network>_<field>" (client_auth: "basic" or
 * "post"). Returns 0, 1 when key is not an OAuth key, or ERR_INVALID with e
 * set for a bad value. */
int oauth2_apps_set(struct oauth2_apps *apps, const char *key, const char *value, struct err *e);
/* Make apps the process's (copied; call once before any thread starts). */
void oauth2_configure(const struct oauth2_apps *apps);
/* The process's app for a network, or NULL when the network does not
 * connect through an admin-configured app (mastodon, bluesky, webhook...).
 * Its client_id is empty when the admin has not configured it. */
const struct oauth2_app *oauth2_app_for(const char *network);

/* PKCE: a fresh code_verifier (43 characters of base64url, 32 random
 * bytes) and its S256 code_challenge. */
void oauth2_pkce(char verifier[64], char challenge[64]);
/* Append "&k=v" (no "&" when b is empty), v percent-encoded. */
void oauth2_form_add(struct buf *b, const char *k, const char *v);

/* How kanal authenticates to a token endpoint. */
struct oauth2_client {
	const char *token_url;
	const char *client_id, *client_secret;
	int auth_basic; /* 1: HTTP Basic; 0: client_id and client_secret in the form */
};

/* POST form (application/x-www-form-urlencoded, without the client's
 * credentials, which are added as cl says) to the token endpoint. 0 with
 * *answer (caller decrefs) holding at least access_token; -1 with r set:
 * NET_RETRY when no answer came, or 5xx, 408 or 429 (the grant may still be
 * good); NET_AUTH for 400/401 (invalid_grant, invalid_client: the grant or
 * the client is refused), code "oauth.invalid_grant" or
 * "oauth.token_refused"; NET_FAIL for an answer without a token. */
int oauth2_token_call(const struct oauth2_client *cl, const char *form, json_t **answer, struct net_result *r);
/* Merge a token answer into secrets: access_token, scope, expires_at_ms
 * (now + expires_in; removed when the answer has no expiry), and
 * refresh_token only when the answer has a non-empty one — a stored
 * refresh token is never replaced by nothing. */
void oauth2_merge_tokens(json_t *secrets, json_t *answer, int64_t now_ms);
/* expires_at_ms from secrets (an integer or a numeric text), 0 when none. */
int64_t oauth2_expires_at(json_t *secrets);

/* Refresh a->secrets (the inner secrets object: refresh_token required)
 * at token_url with grant_type=refresh_token. Returns 0 with the new
 * tokens merged into a->secrets (oauth2_merge_tokens) and
 * a->state_changed = 1, r->outcome NET_OK; -1 with r as
 * oauth2_token_call says, or NET_AUTH oauth.no_refresh_token when there is
 * none. a->secrets is unchanged on failure. For the connectors' .refresh
 * slots, given their network's token URL and client. */
int oauth2_refresh(struct net_account *a, const char *token_url, const char *client_id, const char *client_secret,
		   int auth_basic, struct net_result *r);

/* The connectors' .refresh slot (x, linkedin, facebook, instagram,
 * threads, mastodon): renew a->secrets the way a->network documents it —
 * the refresh_token grant (X, LinkedIn), fb_exchange_token at the Graph
 * token endpoint (Facebook), GET <API host>/refresh_access_token with
 * ig_refresh_token (Instagram login) or th_refresh_token (Threads), using
 * the process's app for the network and a->base_url. 0 with the new tokens
 * merged (oauth2_merge_tokens) and a->state_changed = 1; -1 with r set as
 * oauth2_token_call says, NET_FAIL oauth.no_expiry for Mastodon (its
 * tokens do not expire), oauth.not_configured without the app's client,
 * oauth.unsupported for another network. a->secrets unchanged on failure. */
int oauth2_refresh_account(struct net_account *a, struct net_result *r);
/* 1 when the network renews tokens and secrets hold what it renews with
 * (a refresh token for X and LinkedIn, the access token for Meta's and
 * Mastodon's), else 0. */
int oauth2_renewable(const char *network, json_t *secrets);
/* Renew when the access token expires sooner than this (ms). */
int64_t oauth2_renew_ahead_ms(const char *network);

/* GET url with the bearer token; 0 with *out (caller decrefs) the JSON
 * object answered with 200, else -1 with r set (never the token). */
int oauth2_get_json(const char *url, const char *access_token, json_t **out, struct net_result *r);
/* The account's handle in a userinfo-like answer: data.username,
 * username, preferred_username, name, sub or id (first found), cut to
 * size. 0, or -1 when none. */
int oauth2_handle_of(json_t *answer, char *out, size_t size);

/* Register kanal on a Mastodon instance: POST {instance}/api/v1/apps with
 * client_name "kanal", redirect_uris, scopes and website. 0 with the
 * client's id and secret written, or -1 with r set. */
int oauth2_mastodon_register(const char *instance, const char *redirect_uri, const char *scopes, const char *website,
			     char *client_id, size_t id_size, char *client_secret, size_t secret_size,
			     struct net_result *r);

#endif
