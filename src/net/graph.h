/* graph: what the Facebook Pages, Instagram and Threads connectors share —
 * one call to a Graph-style API (form body, bearer token), the mapping of
 * its {"error": {code, is_transient, ...}} answers and usage headers to a
 * net_result, the wait for a media container to be ready, and the
 * per-post progress kept in the account's state so that a retry resumes
 * a multi-step publication instead of starting it again. */
#ifndef KANAL_GRAPH_H
#define KANAL_GRAPH_H

#include <jansson.h>
#include <stddef.h>

#include "net/connector.h"
#include "net/netutil.h"

struct graph {
	const char *name; /* "Facebook", "Instagram", "Threads": for messages */
	const char *base; /* API root with its version, without a trailing '/' */
	size_t base_len;
	const char *token; /* sent as Authorization: Bearer */
	const char *other; /* another secret kept out of messages (the stored user token), or NULL */
};

/* Set up g from the account: secrets.access_token and base_url (else
 * default_base). 0, or -1 with r filled (graph.not_configured, NET_AUTH). */
int graph_init(struct graph *g, const char *name, const struct net_account *a, const char *default_base,
	       struct net_result *r);

/* One call to base + path (path starts with '/', may carry a query).
 * form: a JSON object of strings / integers / booleans sent as
 * application/x-www-form-urlencoded, or NULL. mutating: a failure after
 * the request was sent leaves the outcome unknown (NET_UNKNOWN). Returns
 * NET_OK with *out (caller decrefs) on a 2xx JSON object, else fills r
 * (code graph.*, a message without any token, rate windows from the usage
 * headers) and leaves *out NULL. */
enum net_outcome graph_call(const struct graph *g, const char *method, const char *path, json_t *form, int mutating,
			    json_t **out, struct net_result *r);

/* Wait until the container id is ready to publish: its status (field
 * "status_code" on Instagram, "status" on Threads) polled a few times.
 * NET_OK when FINISHED; *gone = 1 and NET_RETRY when EXPIRED (make a new
 * one); *published = 1 and NET_OK when PUBLISHED (an earlier call made
 * it); NET_RETRY while IN_PROGRESS after the last poll; NET_FAIL on ERROR. */
enum net_outcome graph_wait_container(const struct graph *g, const char *id, const char *field, int *gone,
				      int *published, struct net_result *r);

/* The progress object of the post with this idempotency key in
 * a->state.posts (made when missing; old entries are dropped). Borrowed. */
json_t *graph_progress(struct net_account *a, const char *key);
/* Record k = v in a progress object and mark the state to be saved. */
void graph_note(struct net_account *a, json_t *prog, const char *k, const char *v);

/* 1 when id looks like a Graph object id (digits, '_'; 1 to 64). */
int graph_id_ok(const char *id);
/* Mark r as a success with remote id (and url when not NULL). */
void graph_ok(struct net_result *r, const char *id, const char *url);
/* An RFC 3339 / Graph time ("2026-01-02T03:04:05+0000") in ms, or -1. */
int64_t graph_time(const char *s);

#endif
