/* ratelimit: learned rate-limit windows per account and per app, in this
 * process's memory and, once exhausted, in the store (see ratelimit.h).
 * The worker counts each call in flight before it starts, so that many
 * workers sharing a window with a few calls left do not all send and
 * collect 429s; an answer's own count then corrects the estimate. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/time.h"
#include "jobs/ratelimit.h"

/* The limits of this file. */
static const struct {
	int64_t same_window_ms; /* two resets this close are one window (delta-second rounding) */
	int64_t jitter_ms;	/* a hold ends within this spread after the reset */
	int64_t hold_429_ms;	/* a 429 that says nothing else holds this long */
	int64_t max_hold_ms;	/* no reset is believed further away than this (a clock gone wrong) */
	size_t buckets;		/* hash buckets of the table */
	size_t max_networks;	/* networks counted in /metrics */
} RL = {1000, 250, 5000, 24LL * 3600 * 1000, 4096, 16};

/* ---- one window -------------------------------------------------------- */

void rate_window_init(struct rate_window *w)
{
	w->limit = w->remaining = w->reset_at = -1;
	w->hold_until = 0;
	w->inflight = 0;
	w->jitter_ms = 0;
}

/* A reset (with its jitter) that has passed opens the next window. */
static void renew(struct rate_window *w, int64_t now)
{
	if (w->reset_at >= 0 && w->reset_at + w->jitter_ms <= now) {
		w->remaining = w->limit;
		w->reset_at = -1;
	}
}

int64_t rate_window_blocked_until(struct rate_window *w, int64_t now)
{
	renew(w, now);
	int64_t t = 0;
	if (w->reset_at > now - w->jitter_ms && w->remaining >= 0 && w->remaining - w->inflight <= 0)
		t = w->reset_at + w->jitter_ms;
	if (w->hold_until > now && w->hold_until > t)
		t = w->hold_until;
	return t;
}

void rate_window_take(struct rate_window *w)
{
	w->inflight++;
}

/* Out of calls by what the network said (not by our own calls in flight). */
static int exhausted(const struct rate_window *w, int64_t now)
{
	return w->hold_until > now || (w->reset_at + w->jitter_ms > now && w->remaining == 0);
}

int rate_window_learn(struct rate_window *w, const struct net_rate *r, int status, int64_t retry_after_ms, int64_t now)
{
	renew(w, now);
	int was = exhausted(w, now);
	if (r && r->known) {
		int64_t reset = r->reset_at_ms;
		if (reset > now + RL.max_hold_ms)
			reset = -1;
		if (reset > now) {
			if (w->reset_at < 0 || reset > w->reset_at + RL.same_window_ms ||
			    reset < w->reset_at - RL.same_window_ms) {
				/* a new window, or another one than we thought (a 429's
				 * short window after a long one): take the answer as it is */
				w->limit = r->limit;
				w->remaining = r->remaining;
				w->reset_at = reset;
			} else {
				/* the same window: answers arrive in any order, and the
				 * count only goes down within it */
				if (r->remaining >= 0 && (w->remaining < 0 || r->remaining < w->remaining))
					w->remaining = r->remaining;
				if (reset > w->reset_at)
					w->reset_at = reset;
				if (r->limit >= 0)
					w->limit = r->limit;
			}
		} else if (reset < 0 && r->limit >= 0) {
			w->limit = r->limit; /* no reset: nothing to wait for, but the size is known */
		}
		/* a reset already past: a late answer from the last window */
	}
	if (status == 429) {
		if (retry_after_ms > 0 && retry_after_ms <= RL.max_hold_ms) {
			if (now + retry_after_ms > w->hold_until)
				w->hold_until = now + retry_after_ms;
		} else if (w->reset_at > now) {
			w->remaining = 0;
		} else if (now + RL.hold_429_ms > w->hold_until) {
			w->hold_until = now + RL.hold_429_ms;
		}
	}
	int is = exhausted(w, now);
	if (is && !was) {
		uint32_t rnd;
		crypto_random(&rnd, sizeof rnd);
		w->jitter_ms = (int64_t)(rnd % (uint32_t)RL.jitter_ms);
		if (w->hold_until > now)
			w->hold_until += w->jitter_ms;
		return 1;
	}
	return 0;
}

/* ---- the table ----------------------------------------------------------- */

struct entry {
	char key[200];
	char network[32];
	int64_t channel;   /* account windows; 0 for an app */
	struct entry *app; /* an account's app window, once seen */
	struct rate_window w;
	int busy; /* jobs of this channel running in this process */
	struct entry *next, *all;
};

static struct {
	pthread_mutex_t mu;
	struct entry **bucket;
	struct entry *all;
	char networks[16][32];
	unsigned long long held_total[16];
	long long held_now[16];
} tab = {.mu = PTHREAD_MUTEX_INITIALIZER};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h % RL.buckets;
}

/* The entry for key, made when new. Called with the lock held. */
static struct entry *entry_get(const char *key, const char *network, int64_t channel)
{
	if (!tab.bucket)
		tab.bucket = xcalloc(RL.buckets, sizeof(struct entry *));
	size_t h = hash(key);
	for (struct entry *e = tab.bucket[h]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	struct entry *e = xcalloc(1, sizeof *e);
	str_copy(e->key, key, sizeof e->key);
	str_copy(e->network, network ? network : "", sizeof e->network);
	e->channel = channel;
	rate_window_init(&e->w);
	e->next = tab.bucket[h];
	tab.bucket[h] = e;
	e->all = tab.all;
	tab.all = e;
	return e;
}

static void acct_key(int64_t channel, char *out, size_t size)
{
	snprintf(out, size, "acct:%lld", (long long)channel);
}

void ratelimit_app_key(const char *network, const char *base_url, const char *client_id, char *out, size_t size)
{
	/* scheme://host[:port] of the base URL: the path does not change whose
	 * limits apply */
	char origin[160] = "";
	if (base_url) {
		const char *p = strstr(base_url, "://");
		size_t n = p ? (size_t)(p - base_url) + 3 : 0;
		if (p)
			n += strcspn(p + 3, "/?#");
		if (n >= sizeof origin)
			n = sizeof origin - 1;
		memcpy(origin, base_url, n);
		origin[n] = '\0';
	}
	snprintf(out, size, "app:%s:%s%s%s", network ? network : "", origin, client_id && *client_id ? ":" : "",
		 client_id && *client_id ? client_id : "");
}

/* An exhausted window another process wrote, taken as a hold here. */
static int64_t stored_until(struct store *st, const char *key, int64_t now)
{
	int64_t reset = 0;
	struct err e;
	err_clear(&e);
	struct store_val v[] = {SV_S(key), SV_I(now)};
	int rc = store_one_int(st, Q_RATE_GET, v, NARGS(v), &reset, &e);
	if (rc && rc != ERR_NOTFOUND)
		log_warn("rate limits: reading %s: %s", key, e.msg);
	return rc ? 0 : reset;
}

int ratelimit_begin(struct store *st, const char *network, int64_t channel, const char *app, int64_t now,
		    int64_t *until)
{
	char ak[64];
	acct_key(channel, ak, sizeof ak);
	*until = 0;
	int64_t s1 = stored_until(st, ak, now), s2 = stored_until(st, app, now);
	pthread_mutex_lock(&tab.mu);
	struct entry *a = entry_get(ak, network, channel), *p = entry_get(app, network, 0);
	a->app = p;
	if (s1 > a->w.hold_until)
		a->w.hold_until = s1;
	if (s2 > p->w.hold_until)
		p->w.hold_until = s2;
	int64_t u1 = rate_window_blocked_until(&a->w, now), u2 = rate_window_blocked_until(&p->w, now);
	if (u1 || u2) {
		*until = u1 > u2 ? u1 : u2;
	} else {
		rate_window_take(&a->w);
		rate_window_take(&p->w);
	}
	pthread_mutex_unlock(&tab.mu);
	return *until ? 1 : 0;
}

static void persist(struct store *st, const char *key, const char *network, const struct rate_window *w)
{
	int64_t reset = w->reset_at + w->jitter_ms > w->hold_until ? w->reset_at + w->jitter_ms : w->hold_until;
	struct err e;
	err_clear(&e);
	struct store_val v[] = {SV_S(key), SV_S(network), w->limit >= 0 ? SV_I(w->limit) : SV_N, SV_I(reset),
				SV_I(time_now_ms())};
	if (store_exec(st, Q_RATE_PUT, v, NARGS(v), NULL, NULL, &e))
		log_warn("rate limits: saving %s: %s", key, e.msg);
}

void ratelimit_end(struct store *st, const char *network, int64_t channel, const char *app, const struct net_result *r,
		   int64_t now)
{
	char ak[64];
	acct_key(channel, ak, sizeof ak);
	pthread_mutex_lock(&tab.mu);
	struct entry *a = entry_get(ak, network, channel), *p = entry_get(app, network, 0);
	if (a->w.inflight > 0)
		a->w.inflight--;
	if (p->w.inflight > 0)
		p->w.inflight--;
	/* A 429 is the app's when the app's window says it is out of calls,
	 * else the account's. */
	const struct net_rate *ar = &r->rate[NET_RATE_APP];
	int app_out = ar->known && ar->remaining == 0;
	int ea =
	    rate_window_learn(&a->w, &r->rate[NET_RATE_ACCOUNT], app_out ? 0 : r->http_status, r->retry_after_ms, now);
	int ep = rate_window_learn(&p->w, ar, app_out ? r->http_status : 0, r->retry_after_ms, now);
	struct rate_window wa = a->w, wp = p->w;
	pthread_mutex_unlock(&tab.mu);
	if (ea)
		persist(st, ak, network, &wa);
	if (ep)
		persist(st, app, network, &wp);
	if (ea || ep)
		log_info("rate limits: %s%s%s exhausted; holding its calls", ea ? ak : "", ea && ep ? " and " : "",
			 ep ? app : "");
}

int64_t ratelimit_channel_until(int64_t channel, int64_t now)
{
	char ak[64];
	acct_key(channel, ak, sizeof ak);
	int64_t t = 0;
	pthread_mutex_lock(&tab.mu);
	struct entry *a = entry_get(ak, "", channel);
	t = rate_window_blocked_until(&a->w, now);
	if (a->app) {
		int64_t u = rate_window_blocked_until(&a->app->w, now);
		if (u > t)
			t = u;
	}
	pthread_mutex_unlock(&tab.mu);
	return t;
}

static pthread_mutex_t claim_mu = PTHREAD_MUTEX_INITIALIZER;

void ratelimit_claim_lock(void)
{
	pthread_mutex_lock(&claim_mu);
}

void ratelimit_claim_unlock(void)
{
	pthread_mutex_unlock(&claim_mu);
}

void ratelimit_busy(int64_t channel, int delta)
{
	if (channel <= 0)
		return;
	char ak[64];
	acct_key(channel, ak, sizeof ak);
	pthread_mutex_lock(&tab.mu);
	struct entry *a = entry_get(ak, "", channel);
	a->busy += delta;
	if (a->busy < 0)
		a->busy = 0;
	pthread_mutex_unlock(&tab.mu);
}

void ratelimit_held_json(int64_t now, int busy, struct buf *out)
{
	buf_adds(out, "[");
	int first = 1;
	pthread_mutex_lock(&tab.mu);
	for (struct entry *e = tab.all; e; e = e->all) {
		if (!e->channel)
			continue;
		/* a channel with calls in flight but none left is held too:
		 * its next call would be refused */
		if ((busy && e->busy > 0) || rate_window_blocked_until(&e->w, now) ||
		    (e->app && rate_window_blocked_until(&e->app->w, now))) {
			buf_addf(out, "%s%lld", first ? "" : ",", (long long)e->channel);
			first = 0;
		}
	}
	pthread_mutex_unlock(&tab.mu);
	buf_adds(out, "]");
}

int64_t ratelimit_next_release(int64_t now)
{
	int64_t t = 0;
	pthread_mutex_lock(&tab.mu);
	for (struct entry *e = tab.all; e; e = e->all) {
		int64_t u = rate_window_blocked_until(&e->w, now);
		if (u && (!t || u < t))
			t = u;
	}
	pthread_mutex_unlock(&tab.mu);
	return t;
}

/* ---- metrics ------------------------------------------------------------- */

/* The network's slot; called with the lock held. */
static int net_slot(const char *network)
{
	for (size_t i = 0; i < RL.max_networks; i++) {
		if (!tab.networks[i][0])
			str_copy(tab.networks[i], network, sizeof tab.networks[i]);
		if (strcmp(tab.networks[i], network) == 0)
			return (int)i;
	}
	return -1;
}

void ratelimit_metric_held(const char *network)
{
	pthread_mutex_lock(&tab.mu);
	int i = net_slot(network ? network : "other");
	if (i >= 0)
		tab.held_total[i]++;
	pthread_mutex_unlock(&tab.mu);
}

static int held_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	const char *network = store_text(c[0], r, 0);
	int i = net_slot(network ? network : "other");
	if (i >= 0)
		tab.held_now[i] = store_int(c[0], r, 1);
	return 0;
}

void ratelimit_count_held(struct store *st, int64_t now)
{
	struct buf held = BUF_INIT(0);
	ratelimit_held_json(now, 0, &held);
	if (strcmp(buf_cstr(&held), "[]") == 0) {
		/* nothing held: no need to scan the due jobs */
		pthread_mutex_lock(&tab.mu);
		memset(tab.held_now, 0, sizeof tab.held_now);
		pthread_mutex_unlock(&tab.mu);
		buf_free(&held);
		return;
	}
	struct err e;
	err_clear(&e);
	struct store_val v[] = {SV_I(now), SV_S(buf_cstr(&held))};
	void *ctx[1] = {st};
	pthread_mutex_lock(&tab.mu);
	long long before[16];
	memcpy(before, tab.held_now, sizeof before);
	memset(tab.held_now, 0, sizeof tab.held_now);
	if (store_exec(st, Q_JOB_HELD_BY_NETWORK, v, NARGS(v), held_row, ctx, &e) < 0) {
		memcpy(tab.held_now, before, sizeof before);
		log_warn("rate limits: counting held jobs: %s", e.msg);
	}
	pthread_mutex_unlock(&tab.mu);
	buf_free(&held);
}

void ratelimit_metrics_render(struct buf *out)
{
	int64_t now = time_now_ms();
	buf_adds(out, "# HELP kanal_jobs_rate_held Due jobs held back now because their account's or app's rate "
		      "window is exhausted, by network.\n# TYPE kanal_jobs_rate_held gauge\n");
	pthread_mutex_lock(&tab.mu);
	for (size_t i = 0; i < RL.max_networks && tab.networks[i][0]; i++)
		buf_addf(out, "kanal_jobs_rate_held{network=\"%s\"} %lld\n", tab.networks[i], tab.held_now[i]);
	buf_adds(out, "# HELP kanal_jobs_rate_held_total Jobs put back untouched (no attempt) because a rate window "
		      "was exhausted, by network.\n# TYPE kanal_jobs_rate_held_total counter\n");
	for (size_t i = 0; i < RL.max_networks && tab.networks[i][0]; i++)
		buf_addf(out, "kanal_jobs_rate_held_total{network=\"%s\"} %llu\n", tab.networks[i], tab.held_total[i]);
	long long windows = 0;
	for (struct entry *e = tab.all; e; e = e->all)
		windows += rate_window_blocked_until(&e->w, now) != 0;
	pthread_mutex_unlock(&tab.mu);
	buf_addf(out,
		 "# HELP kanal_rate_windows_exhausted Account and app rate windows exhausted now.\n"
		 "# TYPE kanal_rate_windows_exhausted gauge\nkanal_rate_windows_exhausted %lld\n",
		 windows);
}

void ratelimit_reset(void)
{
	pthread_mutex_lock(&tab.mu);
	for (struct entry *e = tab.all, *n; e; e = n) {
		n = e->all;
		free(e);
	}
	free(tab.bucket);
	tab.bucket = NULL;
	tab.all = NULL;
	pthread_mutex_unlock(&tab.mu);
}
