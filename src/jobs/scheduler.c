/* scheduler: the engine's clock. Every tick it turns due posts (and each
 * occurrence of recurring ones) into one publication and one publish job
 * per variant, releases the leases of workers whose process died, puts
 * back any publication left without a job, and keeps the figures /healthz
 * and /metrics report. Also the engine's start, stop and shared state. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/time.h"
#include "core/content.h"
#include "core/publish.h"
#include "jobs/jobs.h"
#include "jobs/ratelimit.h"

static struct {
	struct jobs_config cfg;
	pthread_t sched;
	pthread_t *workers;
	int nworkers;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long wake_seq;
	_Atomic int stopping;
	_Atomic int64_t last_tick;
	_Atomic int64_t open, due, leased, dead, oldest_due;
} eng = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

const struct jobs_config *jobs_cfg(void)
{
	return &eng.cfg;
}

int jobs_stopping(void)
{
	return atomic_load(&eng.stopping);
}

int jobs_running(void)
{
	return eng.started;
}

void jobs_wake(void)
{
	pthread_mutex_lock(&eng.mu);
	eng.wake_seq++;
	pthread_cond_broadcast(&eng.cv);
	pthread_mutex_unlock(&eng.mu);
}

void jobs_wait(int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&eng.mu);
	unsigned long seq = eng.wake_seq;
	while (seq == eng.wake_seq && !atomic_load(&eng.stopping))
		if (pthread_cond_timedwait(&eng.cv, &eng.mu, &ts) != 0)
			break;
	pthread_mutex_unlock(&eng.mu);
}

static int64_t env_ms(const char *name, int64_t def, int64_t min, int64_t max)
{
	const char *v = getenv(name);
	long long n;
	if (!v || !*v || str_to_i64(v, &n) || n < min || n > max)
		return def;
	return n;
}

void jobs_config_defaults(struct jobs_config *cfg)
{
	if (!cfg->tick_ms)
		cfg->tick_ms = env_ms("KANAL_SCHED_TICK_MS", 200, 10, 60000);
	if (!cfg->retry_base_ms)
		cfg->retry_base_ms = env_ms("KANAL_RETRY_BASE_MS", 30000, 10, 3600000);
	if (!cfg->lease_ms)
		cfg->lease_ms = env_ms("KANAL_LEASE_MS", 300000, 1000, 3600000);
	if (!cfg->overdue_ms)
		cfg->overdue_ms = env_ms("KANAL_OVERDUE_MS", 60000, 100, 86400000);
	if (!cfg->stall_ms)
		cfg->stall_ms = env_ms("KANAL_STALL_MS", 30000, 500, 3600000);
	if (!cfg->done_keep_ms)
		cfg->done_keep_ms = env_ms("KANAL_JOBS_DONE_KEEP_S", 7 * 86400, 1, 3650LL * 86400) * 1000;
	if (!cfg->dead_keep_ms)
		cfg->dead_keep_ms = env_ms("KANAL_JOBS_DEAD_KEEP_S", 90 * 86400, 1, 3650LL * 86400) * 1000;
}

/* ---- planning ---------------------------------------------------------- */

/* Posts planned in one transaction: one disk wait for many, while the
 * write lock is held a few milliseconds at most. */
#define SCHED_PLAN_BATCH 32
/* How often the queue figures (/healthz, /metrics) are counted (more
 * often when KANAL_OVERDUE_MS is short, so that /healthz keeps up). */
#define SCHED_STATS_MS 2000

struct due_post {
	int64_t id, ws, due;
	char local[24], zone[64];
	char *rec;
};

static int due_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	struct due_post **list = c[1];
	size_t *n = c[2];
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	struct due_post *p = &(*list)[(*n)++];
	memset(p, 0, sizeof *p);
	p->id = store_int(st, r, 0);
	p->ws = store_int(st, r, 1);
	p->due = store_int(st, r, 2);
	const char *s;
	if ((s = store_text(st, r, 3)))
		str_copy(p->local, s, sizeof p->local);
	if ((s = store_text(st, r, 4)))
		str_copy(p->zone, s, sizeof p->zone);
	if ((s = store_text(st, r, 5)))
		p->rec = xstrdup(s);
	return 0;
}

static int first_at(void *ctx, int64_t at, const char *local, int k)
{
	(void)local;
	(void)k;
	*(int64_t *)ctx = at;
	return 1;
}

/* The occurrence after due of a recurring post, or 0 when none is left. */
static int64_t next_occurrence(const struct due_post *p)
{
	if (!p->rec || !p->local[0] || !p->zone[0])
		return 0;
	json_t *rec = json_loads(p->rec, 0, NULL);
	int64_t next = 0;
	if (rec)
		schedule_expand(p->local, p->zone, rec, p->due + 1, p->due + 400LL * 86400000, first_at, &next);
	json_decref(rec);
	return next;
}

static int variant_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	json_array_append_new(c[1], json_pack("{sI sI ss}", "id", (json_int_t)store_int(st, r, 0), "channel",
					      (json_int_t)store_int(st, r, 1), "network", store_text(st, r, 2)));
	return 0;
}

/* One post's due occurrence: a publication and a job per variant, the
 * cursor moved to the next occurrence, the post's state following; all in
 * one transaction. Returns the publications made, or an error. */
static int plan_post(struct store *st, const struct due_post *p, int64_t now, struct err *e)
{
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	json_t *vars = json_array();
	void *ctx[2] = {st, vars};
	struct store_val vv[] = {SV_I(p->ws), SV_I(p->id)};
	rc = store_exec(st, Q_VARIANT_LIST, vv, NARGS(vv), variant_row, ctx, e);
	int made = 0;
	size_t i;
	json_t *v;
	json_array_foreach(vars, i, v)
	{
		if (rc < 0)
			break;
		char key[64], jkey[80], payload[64];
		int64_t vid = json_integer_value(json_object_get(v, "id")), ch = json_integer_value(json_object_get(v, "channel"));
		publication_key(vid, p->due, key, sizeof key);
		snprintf(jkey, sizeof jkey, "publish:%s", key);
		int64_t pub = 0, job = 0;
		struct store_val pv[] = {SV_I(p->ws), SV_I(p->id), SV_I(vid), SV_I(ch),
					 SV_S(json_string_value(json_object_get(v, "network"))), SV_I(p->due), SV_S(key),
					 SV_I(now)};
		rc = store_one_int(st, Q_PUB_INSERT, pv, NARGS(pv), &pub, e);
		if (rc == ERR_NOTFOUND) {
			rc = 0; /* planned before (a post scheduled again at the same instant) */
			continue;
		}
		if (rc)
			break;
		snprintf(payload, sizeof payload, "{\"publication_id\":%lld}", (long long)pub);
		rc = jobs_enqueue(st, "publish", payload, p->ws, ch, p->due, PUBLISH_MAX_ATTEMPTS, jkey, &job, e);
		made++;
	}
	int64_t next = rc < 0 ? 0 : next_occurrence(p);
	if (rc >= 0) {
		struct store_val a[] = {next ? SV_I(next) : SV_N, SV_I(now), SV_I(p->ws), SV_I(p->id), SV_I(p->due)};
		rc = store_exec(st, Q_POST_ADVANCE, a, NARGS(a), NULL, NULL, e);
		if (!rc && store_changes(st) == 0) {
			/* unscheduled or changed meanwhile: plan nothing */
			json_decref(vars);
			store_rollback(st);
			return 0;
		}
	}
	if (rc >= 0 && json_array_size(vars) == 0) {
		/* Nowhere to publish (every channel removed): say so instead of
		 * staying scheduled forever. */
		struct actor sys;
		memset(&sys, 0, sizeof sys);
		sys.token_role = ROLE_NONE;
		str_copy(sys.label, "kanal", sizeof sys.label);
		char target[40];
		snprintf(target, sizeof target, "post:%lld", (long long)p->id);
		json_t *after = json_pack("{ss ss}", "state", "failed", "message", "the post has no channel left to publish to");
		struct store_val s[] = {SV_S("failed"), SV_I(now), SV_I(p->ws), SV_I(p->id)};
		rc = store_exec(st, Q_POST_SET_PUBSTATE, s, NARGS(s), NULL, NULL, e);
		if (!rc)
			rc = audit_record(st, &sys, p->ws, "post.no_channels", target, NULL, after, e);
		json_decref(after);
	} else if (rc >= 0) {
		rc = publication_sync_post(st, p->ws, p->id, e);
	}
	json_decref(vars);
	if (rc < 0 || (rc = store_commit(st, e))) {
		store_rollback(st);
		return rc;
	}
	return made;
}

int jobs_plan(struct store *st, int64_t now, struct err *e)
{
	int total = 0;
	for (int round = 0; round < 50; round++) {
		struct due_post *list = NULL;
		size_t n = 0;
		void *ctx[3] = {st, &list, &n};
		struct store_val v[] = {SV_I(now), SV_I(100)};
		int rc = store_exec(st, Q_PLAN_DUE, v, NARGS(v), due_row, ctx, e);
		size_t planned = 0;
		for (size_t i = 0; rc >= 0 && i < n;) {
			/* SCHED_PLAN_BATCH posts share one transaction, one disk wait
			 * (each post's own is a savepoint inside it); workers start on
			 * a batch as soon as it is committed. */
			if ((rc = store_begin(st, e)) < 0)
				break;
			int made_here = 0;
			size_t planned_here = 0;
			for (size_t k = 0; k < SCHED_PLAN_BATCH && i < n; k++, i++) {
				/* one post's trouble (logged) does not hold up the others */
				int made = plan_post(st, &list[i], now, e);
				if (made < 0) {
					log_error("scheduler: planning post %lld: %s", (long long)list[i].id, e->msg);
				} else {
					made_here += made;
					planned_here++;
				}
			}
			if ((rc = store_commit(st, e))) {
				store_rollback(st);
				break;
			}
			total += made_here;
			planned += planned_here;
			if (made_here)
				jobs_wake();
		}
		for (size_t i = 0; i < n; i++)
			free(list[i].rec);
		free(list);
		if (rc < 0)
			return rc;
		if (n < 100 || planned == 0)
			break; /* all planned, or nothing moves (try again next tick) */
	}
	return total;
}

/* ---- the safety net ---------------------------------------------------- */

static int orphan_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	json_array_append_new(c[1], json_pack("{sI sI sI ss}", "ws", (json_int_t)store_int(st, r, 0), "id",
					      (json_int_t)store_int(st, r, 1), "channel", (json_int_t)store_int(st, r, 2),
					      "key", store_text(st, r, 4)));
	return 0;
}

/* A publication waiting with no job to run it would wait forever: give it
 * its job back. */
static void sweep_orphans(struct store *st)
{
	struct err e;
	err_clear(&e);
	json_t *list = json_array();
	void *ctx[2] = {st, list};
	struct store_val lim = SV_I(100);
	if (store_exec(st, Q_PUB_ORPHANS, &lim, 1, orphan_row, ctx, &e) < 0) {
		log_error("scheduler: orphan sweep: %s", e.msg);
		json_decref(list);
		return;
	}
	size_t i;
	json_t *o;
	int64_t now = time_now_ms();
	json_array_foreach(list, i, o)
	{
		char jkey[96], payload[64];
		int64_t id = json_integer_value(json_object_get(o, "id")), job = 0;
		snprintf(jkey, sizeof jkey, "publish:%s", json_string_value(json_object_get(o, "key")));
		snprintf(payload, sizeof payload, "{\"publication_id\":%lld}", (long long)id);
		struct store_val rv[] = {SV_S(payload), SV_I(now), SV_I(now), SV_S(jkey)};
		int rc = store_exec(st, Q_JOB_REVIVE, rv, NARGS(rv), NULL, NULL, &e);
		if (!rc && store_changes(st) == 0)
			rc = jobs_enqueue(st, "publish", payload, json_integer_value(json_object_get(o, "ws")),
					  json_integer_value(json_object_get(o, "channel")), now, PUBLISH_MAX_ATTEMPTS, jkey,
					  &job, &e);
		if (rc)
			log_error("scheduler: publication %lld has no job and none could be made: %s", (long long)id, e.msg);
		else
			log_warn("scheduler: publication %lld had no job; it has one again", (long long)id);
	}
	json_decref(list);
}

/* ---- retention ------------------------------------------------------- */

/* Finished jobs past their retention go in small batches, so that a purge
 * never holds the write lock long enough to make a due post late. A full
 * batch means more are waiting: the next tick takes the next one. Returns
 * 1 when more are waiting. */
static int purge(struct store *st, int64_t now)
{
	enum { BATCH = 500 };
	struct err e;
	err_clear(&e);
	int64_t deleted = 0;
	if (jobs_purge(st, now - eng.cfg.done_keep_ms, now - eng.cfg.dead_keep_ms, BATCH, &deleted, &e)) {
		log_error("scheduler: purging finished jobs: %s", e.msg);
		return 0;
	}
	if (deleted)
		log_info("scheduler: purged %lld finished job(s)", (long long)deleted);
	return deleted >= BATCH;
}

/* ---- the loop ---------------------------------------------------------- */

static void *sched_main(void *arg)
{
	(void)arg;
	log_set_request_id("scheduler");
	int64_t last_reap = 0, last_sweep = 0, last_purge = 0, last_stats = 0;
	struct jobs_stats s = {0};
	int purge_more = 0;
	int warned = 0;
	while (!jobs_stopping()) {
		struct err e;
		err_clear(&e);
		struct store *st = store_thread(eng.cfg.dsn, &e);
		if (!st) {
			if (!warned++)
				log_error("scheduler: cannot open the database: %s", e.msg);
			jobs_wait(1000);
			continue;
		}
		int64_t now = time_now_ms();
		int released = 0;
		if (now - last_reap >= 5000) {
			if (jobs_reap(st, &released, &e))
				log_error("scheduler: reaping leases: %s", e.msg);
			last_reap = now;
		}
		int made = jobs_plan(st, now, &e);
		if (made < 0)
			log_error("scheduler: planning: %s", e.msg);
		if (now - last_sweep >= 10000) {
			sweep_orphans(st);
			last_sweep = now;
		}
		int64_t purge_every = eng.cfg.done_keep_ms < 60000 ? eng.cfg.done_keep_ms : 60000;
		if (purge_more || now - last_purge >= purge_every) {
			purge_more = purge(st, now);
			last_purge = now;
		}
		ratelimit_count_held(st, now);
		/* The figures visit every open job (160 ms for 100,000 due ones
		 * here): every SCHED_STATS_MS, not every tick, or a backlog would
		 * spend a core on counting it. */
		int64_t stats_every = eng.cfg.overdue_ms / 4 < SCHED_STATS_MS ? eng.cfg.overdue_ms / 4 : SCHED_STATS_MS;
		if (now - last_stats >= stats_every) {
			struct jobs_stats f = {0};
			if (jobs_stats(st, now, &f, &e) == 0) {
				atomic_store(&eng.open, f.open);
				atomic_store(&eng.due, f.due);
				atomic_store(&eng.leased, f.leased);
				atomic_store(&eng.dead, f.dead);
				atomic_store(&eng.oldest_due, f.oldest_due);
				s = f;
			}
			last_stats = now;
		}
		/* A tick counts only when planning worked: a loop that runs but
		 * cannot reach the database (locked, full disk) is stalled too. */
		if (made >= 0)
			atomic_store(&eng.last_tick, time_now_ms());
		if (made > 0 || released > 0 || s.due > 0)
			jobs_wake();
		/* Sleep a tick, or less when a post falls due sooner. */
		int64_t next = 0, wait = eng.cfg.tick_ms;
		now = time_now_ms();
		if (store_one_int(st, Q_PLAN_NEXT, NULL, 0, &next, NULL) == 0 && next > 0 && next - now < wait)
			wait = next > now ? next - now : 50;
		jobs_wait(wait);
	}
	store_thread_close();
	log_set_request_id("");
	return NULL;
}

int jobs_start(const struct jobs_config *cfg, struct err *e)
{
	if (eng.started)
		return 0;
	eng.cfg = *cfg;
	jobs_config_defaults(&eng.cfg);
	atomic_store(&eng.stopping, 0);
	atomic_store(&eng.last_tick, time_now_ms());
	if (pthread_create(&eng.sched, NULL, sched_main, NULL) != 0)
		return err_set(e, ERR_INTERNAL, "jobs.start", "", "cannot start the scheduler thread");
	eng.started = 1;
	eng.workers = xcalloc((size_t)eng.cfg.worker_threads + 1, sizeof *eng.workers);
	for (int i = 0; i < eng.cfg.worker_threads; i++) {
		if (pthread_create(&eng.workers[i], NULL, jobs_worker_main, (void *)(intptr_t)(i + 1)) != 0) {
			jobs_stop();
			return err_set(e, ERR_INTERNAL, "jobs.start", "", "cannot start a worker thread");
		}
		eng.nworkers++;
	}
	log_info("publishing: scheduler every %lld ms, %d worker(s)", (long long)eng.cfg.tick_ms, eng.nworkers);
	return 0;
}

void jobs_stop(void)
{
	if (!eng.started)
		return;
	atomic_store(&eng.stopping, 1);
	jobs_wake();
	pthread_join(eng.sched, NULL);
	for (int i = 0; i < eng.nworkers; i++)
		pthread_join(eng.workers[i], NULL);
	free(eng.workers);
	eng.workers = NULL;
	eng.nworkers = 0;
	eng.started = 0;
	log_info("publishing: stopped");
}

/* ---- health and metrics ------------------------------------------------ */

int jobs_health(char *code, size_t code_size, char *detail, size_t detail_size)
{
	if (!eng.started)
		return 0;
	int64_t now = time_now_ms(), tick = atomic_load(&eng.last_tick), oldest = atomic_load(&eng.oldest_due);
	if (now - tick > eng.cfg.stall_ms) {
		str_copy(code, "scheduler.stalled", code_size);
		snprintf(detail, detail_size, "the scheduler has not run for %lld s", (long long)((now - tick) / 1000));
		return -1;
	}
	if (oldest > 0 && now - oldest > eng.cfg.overdue_ms) {
		str_copy(code, "jobs.overdue", code_size);
		snprintf(detail, detail_size, "a job due %lld s ago has not been taken (%lld due)",
			 (long long)((now - oldest) / 1000), (long long)atomic_load(&eng.due));
		return -1;
	}
	return 0;
}

static const char *const net_names[] = {"x",	    "mastodon", "bluesky", "threads", "instagram", "linkedin",
					"facebook", "tiktok",   "webhook", "manual",  "other"};
#define NNETS (sizeof net_names / sizeof net_names[0])
static const char *const outcome_names[] = {"published", "retry",     "failed",	  "unknown",
					    "auth",	 "found",     "not_found", "interrupted"};
#define NOUTCOMES (sizeof outcome_names / sizeof outcome_names[0])
static const double late_bounds[] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900};
#define NLATE (sizeof late_bounds / sizeof late_bounds[0])

static _Atomic unsigned long long m_attempts[NNETS][NOUTCOMES];
static _Atomic unsigned long long m_failures[NNETS];
static _Atomic unsigned long long m_late[NLATE + 1];
static _Atomic unsigned long long m_late_sum_ms, m_late_count;

static size_t net_index(const char *n)
{
	for (size_t i = 0; n && i < NNETS - 1; i++)
		if (strcmp(n, net_names[i]) == 0)
			return i;
	return NNETS - 1;
}

void jobs_metric_attempt(const char *network, const char *outcome)
{
	for (size_t o = 0; o < NOUTCOMES; o++)
		if (outcome && strcmp(outcome, outcome_names[o]) == 0)
			atomic_fetch_add(&m_attempts[net_index(network)][o], 1);
}

void jobs_metric_failure(const char *network)
{
	atomic_fetch_add(&m_failures[net_index(network)], 1);
}

void jobs_metric_lateness(int64_t ms)
{
	if (ms < 0)
		ms = 0;
	double s = (double)ms / 1000.0;
	size_t b = 0;
	while (b < NLATE && s > late_bounds[b])
		b++;
	atomic_fetch_add(&m_late[b], 1);
	atomic_fetch_add(&m_late_sum_ms, (unsigned long long)ms);
	atomic_fetch_add(&m_late_count, 1);
}

void jobs_metrics_render(struct buf *out)
{
	int64_t now = time_now_ms();
	buf_addf(out, "# HELP kanal_scheduler_running 1 when the scheduler runs in this process.\n"
		      "# TYPE kanal_scheduler_running gauge\nkanal_scheduler_running %d\n", eng.started);
	if (eng.started) {
		int64_t oldest = atomic_load(&eng.oldest_due);
		buf_addf(out,
			 "# HELP kanal_scheduler_last_tick_seconds Seconds since the scheduler last ran.\n"
			 "# TYPE kanal_scheduler_last_tick_seconds gauge\nkanal_scheduler_last_tick_seconds %.3f\n"
			 "# HELP kanal_jobs Jobs by state: open (not finished), due (waiting for a worker now), leased "
			 "(running), dead (gave up).\n# TYPE kanal_jobs gauge\n"
			 "kanal_jobs{state=\"open\"} %lld\nkanal_jobs{state=\"due\"} %lld\n"
			 "kanal_jobs{state=\"leased\"} %lld\nkanal_jobs{state=\"dead\"} %lld\n"
			 "# HELP kanal_jobs_oldest_due_seconds How long the oldest due job has waited for a worker.\n"
			 "# TYPE kanal_jobs_oldest_due_seconds gauge\nkanal_jobs_oldest_due_seconds %.3f\n",
			 (double)(now - atomic_load(&eng.last_tick)) / 1000.0, (long long)atomic_load(&eng.open),
			 (long long)atomic_load(&eng.due), (long long)atomic_load(&eng.leased),
			 (long long)atomic_load(&eng.dead), oldest > 0 ? (double)(now - oldest) / 1000.0 : 0.0);
	}
	buf_adds(out, "# HELP kanal_publish_lateness_seconds How late first attempts started after their due time.\n"
		      "# TYPE kanal_publish_lateness_seconds histogram\n");
	unsigned long long cum = 0;
	for (size_t b = 0; b <= NLATE; b++) {
		cum += atomic_load(&m_late[b]);
		if (b < NLATE)
			buf_addf(out, "kanal_publish_lateness_seconds_bucket{le=\"%g\"} %llu\n", late_bounds[b], cum);
		else
			buf_addf(out, "kanal_publish_lateness_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	buf_addf(out, "kanal_publish_lateness_seconds_sum %.3f\nkanal_publish_lateness_seconds_count %llu\n",
		 (double)atomic_load(&m_late_sum_ms) / 1000.0, atomic_load(&m_late_count));
	buf_adds(out, "# HELP kanal_publish_attempts_total Network calls for publications, by network and outcome.\n"
		      "# TYPE kanal_publish_attempts_total counter\n");
	for (size_t n = 0; n < NNETS; n++)
		for (size_t o = 0; o < NOUTCOMES; o++) {
			unsigned long long v = atomic_load(&m_attempts[n][o]);
			if (v)
				buf_addf(out, "kanal_publish_attempts_total{network=\"%s\",outcome=\"%s\"} %llu\n", net_names[n],
					 outcome_names[o], v);
		}
	ratelimit_metrics_render(out);
	buf_adds(out, "# HELP kanal_publish_failures_total Publications that ended failed, unconfirmed or missed, by "
		      "network.\n# TYPE kanal_publish_failures_total counter\n");
	for (size_t n = 0; n < NNETS; n++) {
		unsigned long long v = atomic_load(&m_failures[n]);
		if (v)
			buf_addf(out, "kanal_publish_failures_total{network=\"%s\"} %llu\n", net_names[n], v);
	}
}
