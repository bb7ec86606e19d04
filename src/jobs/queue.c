/* queue: durable jobs in the store, claimed with a lease in a write
 * transaction, retried with exponential backoff and jitter, dead-lettered
 * with the reason after the last attempt. A crashed worker's lease runs
 * out, or is released at once when its process is known to be gone. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/time.h"
#include "jobs/jobs.h"
#include "jobs/ratelimit.h"

int jobs_enqueue(struct store *st, const char *kind, const char *payload, int64_t ws, int64_t channel,
		 int64_t run_at, int max_attempts, const char *key, int64_t *id, struct err *e)
{
	struct store_val v[] = {SV_S(kind),	 SV_S(payload),	      SV_ID(ws), SV_ID(channel),
				SV_I(run_at),	 SV_I(max_attempts),  SV_S(key), SV_I(time_now_ms())};
	*id = 0;
	int rc = store_one_int(st, Q_JOB_INSERT, v, NARGS(v), id, e);
	return rc == ERR_NOTFOUND ? 0 : rc;
}

static int claim_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	struct job *j = c[1];
	j->id = store_int(st, r, 0);
	str_copy(j->kind, store_text(st, r, 1), sizeof j->kind);
	j->payload = json_loads(store_text(st, r, 2), 0, NULL);
	if (!j->payload)
		j->payload = json_object();
	j->workspace_id = store_int(st, r, 3);
	j->channel_id = store_int(st, r, 4);
	j->run_at = store_int(st, r, 5);
	j->attempts = (int)store_int(st, r, 6);
	j->max_attempts = (int)store_int(st, r, 7);
	j->created_at = store_int(st, r, 8);
	*(int *)c[2] = 1;
	return 0;
}

static int claim(struct store *st, const char *owner, int64_t lease_ms, int busy, struct job *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	int got = 0;
	void *ctx[3] = {st, out, &got};
	int64_t now = time_now_ms();
	/* Channels whose rate window is exhausted wait, and so do those with
	 * a job running here (one call at a time keeps a channel's posts in
	 * due order); the others go on. The lock makes the list and the claim
	 * one step among this process's workers. */
	struct buf held = BUF_INIT(0);
	ratelimit_claim_lock();
	ratelimit_held_json(now, busy, &held);
	/* A lease need not survive a crash (the job is simply claimed again;
	 * nothing was attempted yet): its commit does not wait for the disk,
	 * one disk wait less per job. The next durable commit syncs it too. */
	int rc = store_exec(st, Q_TX_LIGHT, NULL, 0, NULL, NULL, e);
	if (!rc)
		rc = store_begin(st, e);
	if (!rc) {
		struct store_val v[] = {SV_S(owner), SV_I(now + lease_ms), SV_I(now), SV_I(1), SV_S(buf_cstr(&held))};
		rc = store_exec(st, Q_JOB_CLAIM, v, NARGS(v), claim_row, ctx, e);
		if (rc < 0 || (rc = store_commit(st, e))) {
			store_rollback(st);
			jobs_job_free(out);
			got = 0;
		}
	}
	struct err e2;
	err_clear(&e2);
	if (store_exec(st, Q_TX_DURABLE, NULL, 0, NULL, NULL, &e2)) {
		/* every later commit would be light: refuse to go on */
		log_error("jobs: cannot make commits durable again: %s", e2.msg);
		if (!rc && got) {
			jobs_job_free(out);
			got = 0;
			rc = err_set(e, ERR_DB, "store.error", "", "cannot make commits durable again");
		}
	}
	if (!rc && got && busy)
		ratelimit_busy(out->channel_id, 1);
	ratelimit_claim_unlock();
	buf_free(&held);
	return rc ? rc : got;
}

int jobs_claim(struct store *st, const char *owner, int64_t lease_ms, struct job *out, struct err *e)
{
	return claim(st, owner, lease_ms, 0, out, e);
}

int jobs_claim_worker(struct store *st, const char *owner, int64_t lease_ms, struct job *out, struct err *e)
{
	return claim(st, owner, lease_ms, 1, out, e);
}

void jobs_job_free(struct job *j)
{
	json_decref(j->payload);
	j->payload = NULL;
}

int jobs_done(struct store *st, const struct job *j, const char *owner, struct err *e)
{
	struct store_val v[] = {SV_I(time_now_ms()), SV_I(j->id), SV_S(owner)};
	return store_exec(st, Q_JOB_DONE, v, NARGS(v), NULL, NULL, e);
}

int jobs_retry(struct store *st, const struct job *j, const char *owner, int64_t run_at, const char *error,
	       struct err *e)
{
	struct store_val v[] = {SV_I(run_at), SV_S(error), SV_I(time_now_ms()), SV_I(j->id), SV_S(owner)};
	return store_exec(st, Q_JOB_RETRY, v, NARGS(v), NULL, NULL, e);
}

int jobs_dead(struct store *st, const struct job *j, const char *owner, const char *error, struct err *e)
{
	struct store_val v[] = {SV_S(error ? error : "gave up"), SV_I(time_now_ms()), SV_I(j->id), SV_S(owner)};
	return store_exec(st, Q_JOB_DEAD, v, NARGS(v), NULL, NULL, e);
}

int jobs_release(struct store *st, const struct job *j, const char *owner, struct err *e)
{
	struct store_val v[] = {SV_I(time_now_ms()), SV_I(j->id), SV_S(owner)};
	return store_exec(st, Q_JOB_RELEASE, v, NARGS(v), NULL, NULL, e);
}

int jobs_unclaim(struct store *st, const struct job *j, const char *owner, struct err *e)
{
	struct store_val v[] = {SV_I(time_now_ms()), SV_I(j->id), SV_S(owner)};
	return store_exec(st, Q_JOB_UNCLAIM, v, NARGS(v), NULL, NULL, e);
}

int jobs_purge(struct store *st, int64_t done_before, int64_t dead_before, int limit, int64_t *deleted,
	       struct err *e)
{
	*deleted = 0;
	struct store_val d[] = {SV_I(done_before), SV_I(limit)};
	int rc = store_exec(st, Q_JOB_PURGE_DONE, d, NARGS(d), NULL, NULL, e);
	if (rc)
		return rc;
	*deleted += store_changes(st);
	struct store_val x[] = {SV_I(dead_before), SV_I(limit)};
	if ((rc = store_exec(st, Q_JOB_PURGE_DEAD, x, NARGS(x), NULL, NULL, e)))
		return rc;
	*deleted += store_changes(st);
	struct store_val w = SV_I(time_now_ms());
	return store_exec(st, Q_RATE_PURGE, &w, 1, NULL, NULL, e);
}

int64_t jobs_backoff_ms(int attempt, int64_t base_ms, int64_t max_ms, uint32_t rnd)
{
	if (attempt < 1)
		attempt = 1;
	int64_t d = base_ms;
	for (int i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	/* jitter in [0.5, 1.5): retries of many jobs do not arrive together */
	return d / 2 + (int64_t)((double)d * ((double)rnd / 4294967296.0));
}

/* ---- lease owners ------------------------------------------------------ */

static char boot[16];
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;
static char host[64];

static void boot_init(void)
{
	crypto_token("", 6, boot, sizeof boot);
	/* the owner name is split on ':' */
	for (char *p = boot; *p; p++)
		if (*p == ':')
			*p = '_';
	if (gethostname(host, sizeof host) != 0)
		str_copy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	for (char *p = host; *p; p++)
		if (*p == ':')
			*p = '_';
}

void jobs_owner(int thread_no, char *out, size_t size)
{
	pthread_once(&boot_once, boot_init);
	snprintf(out, size, "%s:%ld:%s:t%d", host, (long)getpid(), boot, thread_no);
}

struct owners {
	char **names;
	size_t n;
};

static int owner_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct owners *o = c[1];
	const char *s = store_text(c[0], r, 0);
	if (!s || o->n >= 1024)
		return 0;
	o->names = xrealloc(o->names, (o->n + 1) * sizeof *o->names);
	o->names[o->n++] = xstrdup(s);
	return 0;
}

/* 1 when owner is a dead process of this host, or this process before a
 * pid was reused. */
static int owner_gone(const char *owner)
{
	char h[64];
	const char *c1 = strchr(owner, ':');
	if (!c1 || (size_t)(c1 - owner) >= sizeof h)
		return 0;
	memcpy(h, owner, (size_t)(c1 - owner));
	h[c1 - owner] = '\0';
	if (strcmp(h, host) != 0)
		return 0; /* another machine: its lease runs out on its own */
	char *end;
	long pid = strtol(c1 + 1, &end, 10);
	if (*end != ':' || pid <= 0)
		return 0;
	const char *b = end + 1, *c3 = strchr(b, ':');
	if (!c3)
		return 0;
	if (pid == (long)getpid())
		return (size_t)(c3 - b) != strlen(boot) || strncmp(b, boot, strlen(boot)) != 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int jobs_reap(struct store *st, int *released, struct err *e)
{
	pthread_once(&boot_once, boot_init);
	struct owners o = {NULL, 0};
	void *ctx[2] = {st, &o};
	int64_t now = time_now_ms();
	struct store_val v = SV_I(now);
	int rc = store_exec(st, Q_JOB_LEASE_OWNERS, &v, 1, owner_row, ctx, e);
	*released = 0;
	for (size_t i = 0; i < o.n; i++) {
		if (!rc && owner_gone(o.names[i])) {
			struct store_val u[] = {SV_I(now), SV_S(o.names[i])};
			rc = store_exec(st, Q_JOB_REAP_OWNER, u, NARGS(u), NULL, NULL, e);
			if (!rc) {
				log_warn("jobs: released the leases of %s (its process is gone)", o.names[i]);
				(*released)++;
			}
		}
		free(o.names[i]);
	}
	free(o.names);
	return rc;
}

static int stats_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	struct jobs_stats *s = c[1];
	s->open = store_int(st, r, 0);
	s->due = store_int(st, r, 1);
	s->leased = store_int(st, r, 2);
	s->dead = store_int(st, r, 3);
	s->oldest_due = store_is_null(st, r, 4) ? 0 : store_int(st, r, 4);
	return 0;
}

int jobs_stats(struct store *st, int64_t now, struct jobs_stats *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	void *ctx[2] = {st, out};
	struct buf held = BUF_INIT(0);
	ratelimit_held_json(now, 0, &held);
	struct store_val v[] = {SV_I(now), SV_S(buf_cstr(&held))};
	int rc = store_exec(st, Q_JOB_STATS, v, NARGS(v), stats_row, ctx, e);
	buf_free(&held);
	return rc < 0 ? rc : 0;
}
