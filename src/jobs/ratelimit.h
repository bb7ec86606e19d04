/* ratelimit: rate-limit windows learned from the networks' answers, per
 * account (a channel) and per app (a network and its app: the webhook's
 * host, the OAuth client). Before a publish call the worker asks whether
 * either window is exhausted; if so the job goes back to the queue
 * untouched (no attempt, no claim counted) and claims skip the channel
 * until the window resets. Windows live in this process's memory; an
 * exhausted one is also written to the store (rate_windows) so that a
 * restart or a second process holds its calls too. */
#ifndef KANAL_RATELIMIT_H
#define KANAL_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/connector.h"
#include "store/store.h"

/* ---- one window: pure arithmetic (unit-tested) ------------------------- */

/* What is known of one window. limit / remaining / reset_at: -1 unknown.
 * inflight: calls started and not yet answered (each may take one of the
 * remaining calls). hold_until: a 429 or the store said to wait until
 * then, whatever the counts say. */
struct rate_window {
	int64_t limit, remaining, reset_at, hold_until;
	int inflight;
	int64_t jitter_ms; /* added to the end of a hold, drawn when the window runs out */
};

/* A window that knows nothing. */
void rate_window_init(struct rate_window *w);
/* The instant before which no call may start (reset_at or hold_until plus
 * the jitter), or 0 when a call may start now. A window whose reset has
 * passed starts again with its limit. */
int64_t rate_window_blocked_until(struct rate_window *w, int64_t now);
/* Take one call (a call starts now). */
void rate_window_take(struct rate_window *w);
/* A call ended with what its answer said (r may be NULL or not known).
 * Within one window (the same reset, give or take a second of rounding)
 * the remaining count only goes down, whatever order answers arrive in; a
 * reset further off (either way) is another window, taken as the answer
 * says. A reset already past is stale. A 429
 * (status 429) with retry_after_ms or no calls left holds until then.
 * Returns 1 when the window is now exhausted and was not before. */
int rate_window_learn(struct rate_window *w, const struct net_rate *r, int status, int64_t retry_after_ms, int64_t now);

/* ---- the process's table ------------------------------------------------ */

/* The app key of an account: "app:<network>:<scheme://host[:port]>" of its
 * base URL, plus ":<client_id>" when the secrets name one. */
void ratelimit_app_key(const char *network, const char *base_url, const char *client_id, char *out, size_t size);

/* Before a call for channel (of network, app key app): 1 with *until set
 * when its account or app window is exhausted here or in the store
 * (another process); else 0, and the call is counted in flight on both
 * (end it with ratelimit_end). A store error is logged and does not hold. */
int ratelimit_begin(struct store *st, const char *network, int64_t channel, const char *app, int64_t now,
		    int64_t *until);
/* After the call begun above: learn from r's windows, http_status and
 * retry_after_ms; a window that ran out is written to the store. */
void ratelimit_end(struct store *st, const char *network, int64_t channel, const char *app, const struct net_result *r,
		   int64_t now);
/* The channel's hold end (0 when none): a 429'd job waits for it. */
int64_t ratelimit_channel_until(int64_t channel, int64_t now);
/* A JSON array of the channels held now (account window or their app's
 * window exhausted) and, with busy, of those with a job running in this
 * process: one call at a time per channel keeps its posts in due order.
 * Appends to out. */
void ratelimit_held_json(int64_t now, int busy, struct buf *out);
/* A job of channel was claimed (+1) or has finished (-1) in this process.
 * Claims are taken under ratelimit_claim_lock so that two workers never
 * take two jobs of one channel. */
void ratelimit_busy(int64_t channel, int delta);
void ratelimit_claim_lock(void);
void ratelimit_claim_unlock(void);
/* The earliest end of a hold in force, or 0. */
int64_t ratelimit_next_release(int64_t now);
/* A job was held back by a window (for /metrics). */
void ratelimit_metric_held(const char *network);
/* Count the due jobs held now, per network, for /metrics (the scheduler's
 * tick). A store error leaves the last figures. */
void ratelimit_count_held(struct store *st, int64_t now);
/* Append the rate-limit metrics: jobs held now and holds so far, per
 * network; windows exhausted now. */
void ratelimit_metrics_render(struct buf *out);
/* Forget every window (tests). */
void ratelimit_reset(void);

#endif
