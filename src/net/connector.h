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
};

/* What to publish: one variant, already declined for the network. */
struct net_post {
	const char *text;         /* or the first part of a thread */
	json_t *thread;           /* further parts, or NULL */
	const char *link;
	const char *first_comment;
	json_t *media;            /* [{path, mime, alt, width, height}] */
	const char *lang;         /* "sq", "en" */
	const char *idempotency_key; /* stable per variant and attempt series */
	int64_t created_at_ms;
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
	/* Reserved for later issues: replies, metrics, reply, hide. */
	void *fetch_replies, *fetch_metrics, *reply, *hide;
};

/* The connector for a network name, or NULL. */
const struct connector *connector_for(const char *network);

#endif
