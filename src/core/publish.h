/* publish: the domain side of publishing — channel credentials sealed at
 * rest, one publication per variant and occurrence with its attempts, the
 * user's decisions on what went wrong (retry, mark published, cancel), the
 * crisis pause and the grace window. The engine that runs the network
 * calls lives in src/jobs; it decides nothing these functions do not. */
#ifndef KANAL_PUBLISH_H
#define KANAL_PUBLISH_H

#include <jansson.h>
#include <stdint.h>

#include "core/core.h"
#include "net/connector.h"

#define ACCOUNT_PURPOSE "channel-secrets" /* the key derived for sealing credentials */
#define PUBLISH_GRACE_DEFAULT_MS (15LL * 60 * 1000)
#define PUBLISH_GRACE_MAX_S (7 * 86400)
#define PUBLISH_MAX_ATTEMPTS 6 /* network calls per publication before it is failed */

/* ---- channel accounts (core/account.c) ------------------------------- */
/* Connect (or replace) the account behind a channel. fields for a webhook
 * channel: url (http/https, required), secret (16-512 bytes, required),
 * idempotent (the receiver dedupes by X-Kanal-Idempotency-Key, so an
 * unknown outcome may be re-sent with the same key; default false),
 * timeout_seconds (1-60, default 15). For other networks: base_url, handle,
 * secrets {name: text}. A manual channel needs none (account.not_needed).
 * The credentials are sealed (ACCOUNT_PURPOSE, the channel id as associated
 * data); only a summary (the host or handle) is ever shown. *out (caller
 * decrefs) is the channel with its account summary. Audited
 * (channel.account_connect) without any secret. On failure nothing is
 * stored. */
int account_put(struct store *st, const struct actor *a, int64_t ws, int64_t channel, json_t *fields, json_t **out,
		struct err *e);
/* The decrypted credentials of a channel, for the engine: *secrets and
 * *state (NULL when none saved) are caller-decref'd. account.not_connected
 * (409) when the channel has none; account.unreadable (500) when they were
 * sealed under another secret key. */
int account_load(struct store *st, int64_t ws, int64_t channel, json_t **secrets, json_t **state, struct err *e);
/* Save connector state (sessions), sealed like the credentials. */
int account_save_state(struct store *st, int64_t ws, int64_t channel, json_t *state, struct err *e);
/* Count the sealed values (credentials and state) by key id: *counts
 * (caller decrefs) is {"k1a2b3c4d": n, ...}. */
int account_key_counts(struct store *st, json_t **counts, struct err *e);
/* Re-seal every credential and state not sealed under the current master
 * key with it, in one transaction: every value opens with one of the key
 * ring's keys first, or nothing changes (account.unreadable naming the
 * channel). *resealed: how many values were re-encrypted. Test builds
 * (KANAL_TEST_HOOKS) fail on purpose after KANAL_TEST_RESEAL_FAIL_AFTER
 * values, to show that an interrupted rotation changes nothing. */
int account_reseal_all(struct store *st, long *resealed, struct err *e);
/* The credentials were refused by the network: the channel needs
 * reconnecting (shown on the channel; a retry waits for it). */
int account_needs_reconnect(struct store *st, int64_t ws, int64_t channel, struct err *e);

/* Store the account of a channel connected through OAuth (core/oauth.c):
 * sealed is the layout {secrets: {access_token, refresh_token?,
 * expires_at_ms?, scope?}, base_url, handle}; a missing refresh_token is
 * taken from the stored account when it is the same account (same base_url
 * and handle). Status becomes connected; audited (channel.account_connect,
 * via oauth, no secret). On failure nothing is stored. */
int account_put_oauth(struct store *st, const struct actor *a, int64_t ws, int64_t channel, const char *network,
		      json_t *sealed, struct err *e);
/* Save refreshed tokens (the whole layout) and release the refresh claim,
 * only while owner still holds it: oauth.refresh_claim_lost (409)
 * otherwise, and nothing is saved. */
int account_save_refreshed(struct store *st, int64_t ws, int64_t channel, json_t *sealed, const char *owner,
			   struct err *e);

/* ---- OAuth connections (core/oauth.c) ------------------------------- */
/* Start connecting a channel through its network's authorization page.
 * body: {} or, for Mastodon, {"instance_url": "https://host"} (kanal
 * registers itself on the instance once, kept sealed and reused). A random
 * state (32 bytes) is stored hashed, bound to session_id, single use, for
 * 10 minutes, with the PKCE verifier sealed; *out (caller decrefs) is
 * {authorize_url, expires_at}. oauth.unsupported (400) for a network
 * without OAuth, oauth.not_configured (409) when the admin has not set the
 * network's app or KANAL_PUBLIC_URL. On failure nothing is stored. */
int oauth_start(struct store *st, const struct actor *a, int64_t session_id, int64_t ws, int64_t channel,
		const char *public_url, json_t *body, json_t **out, struct err *e);
/* The browser came back: take the state (unknown, used, expired, another
 * session's or another user's: oauth.state_invalid, 400, nothing stored),
 * then — the state is spent whatever follows — check the caller may still
 * manage channels, refuse error answers (oauth.denied for access_denied,
 * else oauth.provider_error), exchange the code with its verifier, read the
 * account's handle, and store the account (account_put_oauth). *ws and
 * *channel are the state's once known (0 before). */
int oauth_finish(struct store *st, const struct actor *a, int64_t session_id, const char *public_url,
		 const char *state, const char *code, const char *error, int64_t *ws, int64_t *channel, struct err *e);
/* Make sure *sealed (the channel's account layout, replaced in place; the
 * caller owns it) carries a usable access token before a network call:
 * when force, or when its expires_at_ms is within 5 minutes, and a refresh
 * token exists, refresh it — one worker at a time per channel (a claim in
 * the database, owner names the caller; another holder is waited for, then
 * its result is read back). Returns 0 when the call may go ahead; 1 when
 * not, with r set: NET_RETRY for a transient failure (the channel stays
 * connected), NET_AUTH when the network refused the refresh token (the
 * channel is marked needs_reconnect), NET_FAIL when the app is no longer
 * configured; or a negative error with e set (store failure). */
int oauth_fresh_tokens(struct store *st, int64_t ws, int64_t channel, const char *network, int force,
		       const char *owner, json_t **sealed, struct net_result *r, struct err *e);

/* Re-seal kanal's Mastodon apps and the PKCE verifiers of authorizations
 * in flight under the current key (for `kanal key rotate`; call inside the
 * caller's transaction). A value that does not open is left as it is (an
 * app is registered again on its next use; a state runs out). 0 with
 * *resealed the count, or a negative error (e set; *resealed 0) after
 * which the caller rolls back. */
int oauth_reseal_all(struct store *st, long *resealed, struct err *e);

/* ---- publications (core/publication.c) -------------------------------- */
/* The publications of a post, latest occurrence first, each with its
 * attempts ("timeline"). *out is a JSON array (caller decrefs). */
int publication_list_post(struct store *st, int64_t ws, int64_t post, json_t **out, struct err *e);
/* Publications in one state (failed, unconfirmed, missed,
 * awaiting_manual, pending, publishing, published, canceled), newest first,
 * ids below before_id (0: from the newest), at most limit. */
int publication_list_state(struct store *st, int64_t ws, const char *state, int64_t before_id, int limit,
			   json_t **out, struct err *e);
/* One publication with its timeline: publication.not_found (404). */
int publication_get(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e);
/* 1 when state is a publication state. */
int publication_state_valid(const char *state);

enum publication_action {
	PUB_RETRY,          /* failed, unconfirmed or missed -> pending: the person says it is not out there */
	PUB_MARK_PUBLISHED, /* anything not in flight -> published, args {url, remote_id} (one of them) */
	PUB_CANCEL,         /* pending, failed, unconfirmed, missed, awaiting_manual -> canceled */
};
/* A person's decision on a publication. publication.transition (409) when
 * its state does not allow it (publishing: a call is in flight). Audited
 * (publication.retry, .mark_published, .cancel); the post's state follows.
 * *out (caller decrefs) is the publication. On failure nothing changes. */
int publication_act(struct store *st, const struct actor *a, int64_t ws, int64_t id, enum publication_action act,
		    json_t *args, json_t **out, struct err *e);

/* ---- for the engine (inside its transactions) ------------------------- */
/* The idempotency key of a variant's occurrence, "v<variant>-<due ms>",
 * into out (>= 48 bytes); the publish job's key is "publish:" + it. */
void publication_key(int64_t variant, int64_t due_ms, char *out, size_t size);
/* Move a publication from state `from` to a final or waiting state `to`
 * (published, failed, unconfirmed, missed, awaiting_manual, pending),
 * with what the network said; failures, unconfirmed, missed and awaiting
 * manual publishing are audited with the reason, so that people are told.
 * The post's state follows. ERR_CONFLICT (publication.changed) when the
 * publication is no longer in `from`. Run inside a transaction. */
int publication_finish(struct store *st, int64_t ws, int64_t id, const char *from, const char *to,
		       const char *remote_id, const char *remote_url, const char *code, const char *message,
		       struct err *e);
/* The post's state from its latest occurrence's publications: publishing
 * while any is pending, in flight or awaiting manual publishing; published
 * (or scheduled again, when a recurrence has more) when all are published;
 * unconfirmed when any is; failed otherwise (failed or missed). */
int publication_sync_post(struct store *st, int64_t ws, int64_t post, struct err *e);
/* The workspace's grace window in ms. */
int64_t publishing_grace_ms(struct store *st, int64_t ws);

/* ---- the crisis pause and settings ------------------------------------ */
/* Pause all publishing of the workspace (channel 0) or of one channel:
 * nothing more is sent there until resumed (a call already in flight
 * finishes). Audited (publishing.pause). *out: the publishing status. */
int publishing_pause(struct store *st, const struct actor *a, int64_t ws, int64_t channel, const char *reason,
		     json_t **out, struct err *e);
/* Resume (channel 0: every pause of the workspace). What fell due while
 * paused is planned again: published now when within the grace window,
 * else marked missed (and audited). *out: the status with "resumed" and
 * "missed" counts. */
int publishing_resume(struct store *st, const struct actor *a, int64_t ws, int64_t channel, json_t **out,
		      struct err *e);
/* {paused: [{channel_id (null: the whole workspace), reason, paused_at,
 * paused_by}], grace_seconds}. */
int publishing_status(struct store *st, int64_t ws, json_t **out, struct err *e);
/* fields: grace_seconds (1 to PUBLISH_GRACE_MAX_S). Audited. */
int publishing_settings(struct store *st, const struct actor *a, int64_t ws, json_t *fields, json_t **out,
			struct err *e);

#endif
