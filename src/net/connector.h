/* connector: one table of functions per network (DESIGN.md "Connectors").
 * A NULL slot means the network does not support it. Every call gets the
 * account (decrypted credentials, base URL), does its HTTP through
 * src/net/http_client, and reports a structured outcome; none of them
 * touches the store — the publishing engine records attempts around them. */
#ifndef KANAL_CONNECTOR_H
#define KANAL_CONNECTOR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A connected account, as the engine hands it to a connector. */
struct net_account {
	const char *network;   /* "bluesky", "mastodon", "webhook", ... */
	const char *base_url;  /* the PDS / instance / API root / webhook URL */
	const char *handle;    /* the account's handle or id on the network */
	json_t *secrets;       /* decrypted credentials (tokens, app password, webhook secret); borrowed */
	json_t *state;         /* connector-owned state to persist (sessions); may be replaced */
	int state_changed;     /* set by the connector when state must be saved */
	/* Set by the engine: writes the state to disk now, in its own
	 * transaction, and clears state_changed. Connectors call it through
	 * net_checkpoint() right after recording progress that a crash must
	 * not lose (a part published, a container made), so that a restart
	 * resumes instead of making it again. NULL: nothing to do. */
	void (*checkpoint)(struct net_account *a);
	void *checkpoint_ctx;
};

static inline void net_checkpoint(struct net_account *a)
{
	if (a->checkpoint && a->state_changed)
		a->checkpoint(a);
}

/* What to publish: one variant, already declined for the network. */
struct net_post {
	const char *text;         /* or the first part of a thread */
	json_t *thread;           /* further parts, or NULL */
	const char *link;
	const char *first_comment;
	json_t *media;            /* [{path, mime, alt, width, height, url}] */
	                          /* url: a signed public link (core/medialink.h), when KANAL_PUBLIC_URL is set */
	const char *lang;         /* "sq", "en" */
	const char *idempotency_key; /* stable per variant and attempt series */
	int64_t created_at_ms;
};

/* A rate-limit window as the network reported it in an answer's headers
 * (or a 429). The engine learns from it (src/jobs/ratelimit) and holds
 * further calls for that account or app until reset_at_ms when remaining
 * reaches 0. known = 0: the answer said nothing. -1: that value unknown. */
struct net_rate {
	int known;
	int64_t limit, remaining, reset_at_ms;
};

enum net_rate_scope {
	NET_RATE_ACCOUNT = 0, /* per user/account/page token */
	NET_RATE_APP = 1,     /* per app (client id) across all accounts */
};

enum net_outcome {
	NET_OK = 0,          /* published; remote_id/remote_url set */
	NET_RETRY,           /* transient: try again later (retry_after_ms may be set) */
	NET_FAIL,            /* permanent: the network refused this post */
	NET_UNKNOWN,         /* we cannot tell whether it was published (timeout after send) */
	NET_AUTH,            /* credentials expired or revoked: reconnect needed */
};

struct net_result {
	enum net_outcome outcome;
	char remote_id[256];
	char remote_url[512];
	int http_status;
	int64_t retry_after_ms;
	char code[64];       /* the network's error code, e.g. "RateLimitExceeded" */
	char message[256];   /* safe to show: never a token */
	struct net_rate rate[2]; /* by enum net_rate_scope, from the last answer */
};

struct connector {
	const char *network;
	/* Publish a post (and its thread). */
	int (*publish)(struct net_account *a, const struct net_post *p, struct net_result *r);
	/* Was a post with this idempotency key / content already published?
	 * 1 found (r filled), 0 not found, -1 cannot tell. For reconciliation
	 * before any retry. */
	int (*find_published)(struct net_account *a, const struct net_post *p, struct net_result *r);
	int (*remove)(struct net_account *a, const char *remote_id, struct net_result *r);
	int (*refresh)(struct net_account *a, struct net_result *r);
	/* The network's limits for this account (text length, media count and
	 * size, posts per day...) as a JSON object, read from the network when
	 * it publishes them (Mastodon /api/v2/instance), else static. NULL slot:
	 * the text engine's defaults apply. Returns 0 or -1 with r filled. */
	int (*limits)(struct net_account *a, json_t **out, struct net_result *r);
	/* Reserved for later issues: replies, metrics, reply, hide. */
	void *fetch_replies, *fetch_metrics, *reply, *hide;
};

/* How a reset header is written. */
enum net_reset_kind {
	NET_RESET_EPOCH_S,  /* seconds since 1970 (X, Bluesky) */
	NET_RESET_DELTA_S,  /* seconds from now */
	NET_RESET_RFC3339,  /* an ISO 8601 instant (Mastodon) */
};

struct http_response;
/* Fill *out from the answer's limit / remaining / reset headers (names in
 * any case; NULL to skip one). Leaves *out as it was when none is present. */
void net_rate_from_headers(const struct http_response *rs, const char *limit, const char *remaining,
			   const char *reset, enum net_reset_kind kind, struct net_rate *out);

/* The connector for a network name, or NULL. */
const struct connector *connector_for(const char *network);

#endif
