/* jobs: the durable job queue (queue.c), the scheduler that turns due posts
 * into publish jobs and watches the queue (scheduler.c), and the workers
 * that run them with the exactly-once protocol (worker.c). `kanal serve`
 * runs them in-process; `kanal worker` runs only them. */
#ifndef KANAL_JOBS_H
#define KANAL_JOBS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

/* ---- the queue (queue.c) --------------------------------------------- */
struct job {
	int64_t id;
	char kind[32];
	json_t *payload; /* owned; jobs_job_free */
	int64_t workspace_id, channel_id, run_at, created_at;
	int attempts, max_attempts; /* attempts: claims so far, this one included */
};

/* Add a job unless one with the same idempotency key exists. payload is
 * JSON text. *id = the new job's id, or 0 when the key existed (nothing
 * changed). */
int jobs_enqueue(struct store *st, const char *kind, const char *payload, int64_t ws, int64_t channel,
		 int64_t run_at, int max_attempts, const char *key, int64_t *id, struct err *e);
/* Claim the earliest due job whose lease is free (or expired) and whose
 * scope is not paused, leasing it to owner for lease_ms, in one write
 * transaction (BEGIN IMMEDIATE). Channels held by an exhausted rate
 * window (jobs/ratelimit) are skipped. Returns 1 with *out filled (free
 * with jobs_job_free), 0 when nothing is due, or an error. */
int jobs_claim(struct store *st, const char *owner, int64_t lease_ms, struct job *out, struct err *e);
/* jobs_claim for a worker thread: channels with a job already running in
 * this process are skipped too (one call at a time keeps a channel's
 * posts in due order), and the claimed job's channel counts as running
 * until ratelimit_busy(channel, -1). */
int jobs_claim_worker(struct store *st, const char *owner, int64_t lease_ms, struct job *out, struct err *e);
void jobs_job_free(struct job *j);
/* Finish a job this owner holds: done, again at run_at (lease released,
 * error kept), dead-lettered with the reason, or released untouched.
 * Run inside the caller's transaction or alone. */
int jobs_done(struct store *st, const struct job *j, const char *owner, struct err *e);
int jobs_retry(struct store *st, const struct job *j, const char *owner, int64_t run_at, const char *error,
	       struct err *e);
int jobs_dead(struct store *st, const struct job *j, const char *owner, const char *error, struct err *e);
int jobs_release(struct store *st, const struct job *j, const char *owner, struct err *e);
/* Put back a job held by an exhausted rate window before anything was
 * attempted: the lease is released and this claim is not counted, so a
 * held job never nears its claim limit. */
int jobs_unclaim(struct store *st, const struct job *j, const char *owner, struct err *e);
/* Delete up to limit done jobs finished before done_before and up to limit
 * dead-lettered ones before dead_before (oldest first), and the stored
 * rate windows that have reset. Publications and attempts, the history
 * people see, are never touched. *deleted = jobs deleted. */
int jobs_purge(struct store *st, int64_t done_before, int64_t dead_before, int limit, int64_t *deleted,
	       struct err *e);
/* The delay before retry number `attempt` (1 = the first retry):
 * base * 2^(attempt-1), at most max, times a jitter in [0.5, 1.5) drawn
 * from rnd (uniform over 32 bits). */
int64_t jobs_backoff_ms(int attempt, int64_t base_ms, int64_t max_ms, uint32_t rnd);
/* This process's lease owner name for one thread: "host:pid:boot:tN". */
void jobs_owner(int thread_no, char *out, size_t size);
/* Release the leases of owners on this host whose process is gone (killed,
 * crashed) or that are this process's own from before (pid reused), so
 * that their jobs run again at once instead of when the lease runs out.
 * *released = how many owners. */
int jobs_reap(struct store *st, int *released, struct err *e);

struct jobs_stats {
	int64_t open;       /* not done, not dead */
	int64_t due;        /* claimable now (due, unleased, not paused) */
	int64_t leased;     /* being worked on */
	int64_t dead;       /* dead-lettered, ever */
	int64_t oldest_due; /* run_at of the oldest claimable job, 0 when none */
};
int jobs_stats(struct store *st, int64_t now, struct jobs_stats *out, struct err *e);

/* ---- the engine (scheduler.c, worker.c) -------------------------------- */
struct jobs_config {
	const char *dsn;
	int worker_threads;    /* worker threads (0: the scheduler only) */
	int64_t tick_ms;       /* the scheduler's period; default 200 */
	int64_t retry_base_ms; /* backoff base; default 30 s (KANAL_RETRY_BASE_MS) */
	int64_t lease_ms;      /* default 300 s */
	int64_t overdue_ms;    /* a due job unclaimed this long makes /healthz unhealthy; default 60 s */
	int64_t stall_ms;      /* a scheduler silent this long makes /healthz unhealthy; default 30 s */
	const char *public_url; /* KANAL_PUBLIC_URL, the base of public media links (core/medialink.h), or NULL */
	int64_t done_keep_ms;  /* done jobs are deleted after this; default 7 days (KANAL_JOBS_DONE_KEEP_S) */
	int64_t dead_keep_ms;  /* dead-lettered jobs after this; default 90 days (KANAL_JOBS_DEAD_KEEP_S) */
};
/* Fill cfg's zero fields (but worker_threads) from defaults and the
 * environment (KANAL_SCHED_TICK_MS, KANAL_RETRY_BASE_MS, KANAL_LEASE_MS,
 * KANAL_OVERDUE_MS, KANAL_JOBS_DONE_KEEP_S, KANAL_JOBS_DEAD_KEEP_S). */
void jobs_config_defaults(struct jobs_config *cfg);
/* Start the scheduler thread and cfg->worker_threads workers (signals
 * must already be blocked in the calling thread; the threads inherit it).
 * cfg is copied. */
int jobs_start(const struct jobs_config *cfg, struct err *e);
/* Stop and join every thread; a call in flight finishes first (bounded by
 * its timeout). Safe when not started. */
void jobs_stop(void);
/* Wake the workers (new work is due). */
void jobs_wake(void);
/* 1 when the engine runs in this process. */
int jobs_running(void);
/* 0 when healthy; else -1 with the reason ("scheduler.stalled",
 * "jobs.overdue") and a sentence. Healthy when not running here. */
int jobs_health(char *code, size_t code_size, char *detail, size_t detail_size);
/* Append the engine's Prometheus metrics: queue depth, lateness of first
 * attempts, attempts and failures per network. */
void jobs_metrics_render(struct buf *out);

/* Engine internals shared by scheduler.c and worker.c. */
const struct jobs_config *jobs_cfg(void);
int jobs_stopping(void);
/* Sleep until woken, stopped, or ms passed. */
void jobs_wait(int64_t ms);
void jobs_metric_attempt(const char *network, const char *outcome);
void jobs_metric_failure(const char *network);
void jobs_metric_lateness(int64_t ms);
/* Run one claimed job (worker.c). */
void jobs_run(struct store *st, const char *owner, struct job *j);
/* One worker thread's loop (worker.c); arg is its number. */
void *jobs_worker_main(void *arg);
/* Plan due posts into publications and publish jobs (scheduler.c);
 * returns how many publications were made, or an error. */
int jobs_plan(struct store *st, int64_t now, struct err *e);

#endif
