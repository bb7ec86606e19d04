/* worker: runs claimed jobs. A publish job follows the exactly-once
 * protocol (../shared/SECURITY.md promise 1):
 *
 *   1. in one transaction: decide (missed? paused? manual? connected?),
 *      write the attempt row and the publication's "publishing" state,
 *      COMMIT — before any network call;
 *   2. call the connector;
 *   3. in one transaction: the attempt's outcome, the publication's state,
 *      the job's fate, the post's state. COMMIT.
 *
 * An attempt found without an outcome (the process died between 1 and 3)
 * or with the outcome "unknown" (a timeout after the request was sent) is
 * reconciled with the connector's find_published before anything else;
 * when that cannot tell, the publication becomes "unconfirmed" and a
 * person decides. Never a blind second call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/time.h"
#include "core/content.h"
#include "core/library.h"
#include "core/medialink.h"
#include "core/publish.h"
#include "jobs/jobs.h"
#include "jobs/ratelimit.h"
#include "media/media.h"
#include "net/connector.h"

/* What a publish job works on. */
struct pub {
	int64_t ws, id, post, variant, channel, due;
	int attempts;
	char state[24], network[32], key[64];
	char last_code[64]; /* the last error code, to refresh a refused token only once in a row */
};

struct ctx {
	struct store *st;
	const char *owner;
	struct job *job;
	struct pub p;
	const struct connector *conn;
	struct net_account acct;
	json_t *secrets, *state0; /* owned; acct.state may be replaced by the connector */
	struct net_post np;
	json_t *post;            /* the post JSON behind np; owned */
	char *strs[4];           /* strings np points to; owned */
};

static void ctx_free(struct ctx *c)
{
	if (c->acct.state && c->acct.state != c->state0)
		json_decref(c->acct.state);
	json_decref(c->state0);
	json_decref(c->secrets);
	json_decref(c->post);
	json_decref(c->np.media);
	for (size_t i = 0; i < sizeof c->strs / sizeof c->strs[0]; i++)
		free(c->strs[i]);
}

static int load_pub(struct store *st, int64_t ws, int64_t id, struct pub *p, struct err *e)
{
	json_t *j = NULL;
	int rc = publication_get(st, ws, id, &j, e);
	if (rc)
		return rc;
	memset(p, 0, sizeof *p);
	p->ws = ws;
	p->id = id;
	p->post = json_integer_value(json_object_get(j, "post_id"));
	p->variant = json_integer_value(json_object_get(j, "variant_id"));
	json_t *ch = json_object_get(j, "channel");
	p->channel = json_integer_value(json_object_get(ch, "id"));
	str_copy(p->network, json_string_value(json_object_get(ch, "network")), sizeof p->network);
	str_copy(p->state, json_string_value(json_object_get(j, "state")), sizeof p->state);
	str_copy(p->key, json_string_value(json_object_get(j, "idempotency_key")), sizeof p->key);
	const char *lc = json_string_value(json_object_get(j, "last_error_code"));
	str_copy(p->last_code, lc ? lc : "", sizeof p->last_code);
	p->attempts = (int)json_integer_value(json_object_get(j, "attempts"));
	time_parse_rfc3339(json_string_value(json_object_get(j, "due_at")), &p->due);
	json_decref(j);
	return 0;
}

struct open_attempt {
	int64_t id;
	int no;
};

static int open_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct open_attempt *o = c[1];
	o->id = store_int(c[0], r, 0);
	o->no = (int)store_int(c[0], r, 1);
	return 1;
}

static int insert_attempt(struct ctx *c, const char *kind, int64_t *id, struct err *e)
{
	int64_t no = 1;
	struct store_val nv[] = {SV_I(c->p.ws), SV_I(c->p.id)};
	int rc = store_one_int(c->st, Q_ATTEMPT_NEXT_NO, nv, NARGS(nv), &no, e);
	struct store_val v[] = {SV_I(c->p.ws), SV_I(c->p.id), SV_I(no), SV_S(kind), SV_S(c->p.key), SV_I(time_now_ms())};
	return rc ? rc : store_one_int(c->st, Q_ATTEMPT_INSERT, v, NARGS(v), id, e);
}

static int finish_attempt(struct ctx *c, int64_t id, const char *outcome, int http, const char *message,
			  struct err *e)
{
	struct store_val v[] = {SV_S(outcome), http > 0 ? SV_I(http) : SV_N, SV_S(message && *message ? message : NULL),
				SV_I(time_now_ms()), SV_I(c->p.ws), SV_I(id)};
	jobs_metric_attempt(c->p.network, outcome);
	return store_exec(c->st, Q_ATTEMPT_FINISH, v, NARGS(v), NULL, NULL, e);
}

/* A final state, with the job finished (or dead-lettered) in the same
 * transaction. */
static int end(struct ctx *c, const char *from, const char *to, const struct net_result *r, const char *code,
	       const char *msg, int dead, struct err *e)
{
	int rc = publication_finish(c->st, c->p.ws, c->p.id, from, to, r && r->remote_id[0] ? r->remote_id : NULL,
				    r && r->remote_url[0] ? r->remote_url : NULL, code, msg, e);
	if (!rc)
		rc = dead ? jobs_dead(c->st, c->job, c->owner, msg, e) : jobs_done(c->st, c->job, c->owner, e);
	if (!rc && strcmp(to, "published") != 0 && strcmp(to, "awaiting_manual") != 0)
		jobs_metric_failure(c->p.network);
	return rc;
}

/* ---- what to send ------------------------------------------------------ */

static const char *opt_str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The variant as the network gets it: effective text, thread, link, first
 * comment, media files with alt text. */
static int build_post(struct ctx *c, struct err *e)
{
	int rc = post_get(c->st, c->p.ws, c->p.post, &c->post, e);
	if (rc)
		return rc;
	json_t *var = NULL, *v;
	size_t i;
	json_array_foreach(json_object_get(c->post, "variants"), i, v) if (json_integer_value(json_object_get(v, "id")) ==
									    c->p.variant) var = v;
	if (!var)
		return err_set(e, ERR_NOTFOUND, "variant.not_found", "", "the variant is gone");
	struct net_post *np = &c->np;
	np->text = opt_str(var, "effective_text");
	json_t *th = json_object_get(var, "thread");
	if (json_is_array(th) && json_array_size(th) > 0) {
		/* an explicit thread replaces the text: part 0 is the first post */
		np->text = json_string_value(json_array_get(th, 0));
		json_t *rest = json_array();
		for (size_t k = 1; k < json_array_size(th); k++)
			json_array_append(rest, json_array_get(th, k));
		json_object_set_new(var, "_rest", rest);
		np->thread = rest;
	}
	np->link = opt_str(var, "link") ? opt_str(var, "link") : opt_str(c->post, "link");
	np->first_comment = opt_str(var, "first_comment");
	np->idempotency_key = c->p.key;
	np->created_at_ms = c->p.due;
	struct workspace w;
	if (workspace_get(c->st, c->p.ws, &w, NULL) == 0)
		np->lang = c->strs[0] = xstrdup(w.language);
	json_t *ids = json_is_array(json_object_get(var, "media")) ? json_object_get(var, "media")
								  : json_object_get(c->post, "media");
	np->media = json_array();
	char root[MEDIA_PATH_MAX];
	media_root(jobs_cfg()->dsn, root, sizeof root);
	const char *alt_override = opt_str(var, "alt_text");
	json_array_foreach(ids, i, v)
	{
		json_t *item = NULL;
		if (library_get(c->st, c->p.ws, json_integer_value(v), &item, NULL))
			continue;
		char path[MEDIA_PATH_MAX];
		media_blob_path(root, opt_str(item, "sha256"), path, sizeof path);
		const char *alt = i == 0 && alt_override ? alt_override : opt_str(item, "alt_text");
		json_t *m = json_pack("{ss ss ss sO sO}", "path", path, "mime", opt_str(item, "mime"), "alt", alt ? alt : "",
				      "width", json_object_get(item, "width"), "height", json_object_get(item, "height"));
		/* meta: networks that fetch images themselves (Instagram, Threads,
		 * Facebook) get a signed public link to the item, when kanal has a
		 * public address. */
		char url[1024];
		if (jobs_cfg()->public_url &&
		    medialink_make(jobs_cfg()->public_url, c->p.ws, json_integer_value(v), c->p.network,
				   time_now_ms() + MEDIALINK_TTL_MS, url, sizeof url) == 0)
			json_object_set_new(m, "url", json_string(url));
		json_array_append_new(np->media, m);
		json_decref(item);
	}
	return 0;
}

/* The connector's checkpoint: its state on disk now, in a transaction of
 * its own (the worker holds none during a call). A failure is logged and
 * the state stays marked changed, to be saved with the outcome. */
static void checkpoint(struct net_account *a)
{
	struct ctx *c = a->checkpoint_ctx;
	struct err e;
	err_clear(&e);
	int rc = store_begin(c->st, &e);
	if (!rc)
		rc = account_save_state(c->st, c->p.ws, c->p.channel, a->state, &e);
	if (rc || (rc = store_commit(c->st, &e))) {
		store_rollback(c->st);
		log_error("publication %lld: saving the connector's progress: %s", (long long)c->p.id, e.msg);
		return;
	}
	a->state_changed = 0;
}

static int load_account(struct ctx *c, struct err *e)
{
	int rc = account_load(c->st, c->p.ws, c->p.channel, &c->secrets, &c->state0, e);
	if (rc)
		return rc;
	c->acct.network = c->p.network;
	c->acct.secrets = c->secrets;
	c->acct.state = c->state0;
	c->acct.checkpoint = checkpoint;
	c->acct.checkpoint_ctx = c;
	/* webhook credentials keep the URL; other networks a base URL and a handle */
	c->acct.base_url = opt_str(c->secrets, "url") ? opt_str(c->secrets, "url") : opt_str(c->secrets, "base_url");
	c->acct.handle = opt_str(c->secrets, "handle");
	json_t *inner = json_object_get(c->secrets, "secrets");
	if (json_is_object(inner))
		c->acct.secrets = inner;
	return 0;
}

/* OAuth tokens (core/oauth.c): refreshed before the call when they expire
 * soon (minutes for X, days for Meta's 60-day tokens), or (force) once
 * after the network refused them when a refresh token can make new ones
 * (a refused Meta token cannot renew itself) — safe, as nothing was
 * published then; both through the connector's .refresh. Returns 1 when
 * the connector may be called, else 0 with r set: NET_RETRY for a
 * transient failure (the channel stays connected), NET_AUTH when the
 * refresh token was refused. */
static int oauth_tokens(struct ctx *c, int force, struct net_result *r)
{
	json_t *inner = json_object_get(c->secrets, "secrets");
	if (!json_is_object(inner) || (force && !opt_str(inner, "refresh_token")))
		return !force;
	struct err e;
	err_clear(&e);
	int rc = oauth_fresh_tokens(c->st, c->p.ws, c->p.channel, c->p.network, force, c->owner, &c->secrets, r, &e);
	c->acct.secrets = json_object_get(c->secrets, "secrets");
	c->acct.base_url = opt_str(c->secrets, "base_url");
	c->acct.handle = opt_str(c->secrets, "handle");
	if (rc < 0) {
		r->outcome = NET_RETRY;
		str_copy(r->code, "oauth.refresh_failed", sizeof r->code);
		snprintf(r->message, sizeof r->message, "the tokens could not be refreshed: %.200s", e.msg);
	}
	return rc == 0;
}

static int save_state(struct ctx *c, struct err *e)
{
	if (!c->acct.state_changed)
		return 0;
	return account_save_state(c->st, c->p.ws, c->p.channel, c->acct.state, e);
}

/* ---- rate limits --------------------------------------------------------- */

static void rate_app(const struct ctx *c, char *out, size_t size)
{
	ratelimit_app_key(c->p.network, c->acct.base_url, opt_str(c->acct.secrets, "client_id"), out, size);
}

/* Before the attempt is written: when the account's or the app's window is
 * exhausted, the job goes back to the queue untouched — no attempt row, no
 * publication change, its claim not counted — and claims skip the channel
 * until the window resets. Returns 1 when held (*rc: the release's
 * result), 0 when the call may go (it is counted in flight: rate_done
 * must follow). */
static int rate_hold(struct ctx *c, int *rc, struct err *e)
{
	char app[256];
	int64_t until = 0;
	rate_app(c, app, sizeof app);
	if (!ratelimit_begin(c->st, c->p.network, c->p.channel, app, time_now_ms(), &until))
		return 0;
	ratelimit_metric_held(c->p.network);
	*rc = jobs_unclaim(c->st, c->job, c->owner, e);
	return 1;
}

/* The call begun by rate_hold ended (r NULL: it never went out). */
static void rate_done(struct ctx *c, const struct net_result *r)
{
	char app[256];
	struct net_result none;
	if (!r) {
		memset(&none, 0, sizeof none);
		r = &none;
	}
	rate_app(c, app, sizeof app);
	ratelimit_end(c->st, c->p.network, c->p.channel, app, r, time_now_ms());
}

/* A 429 whose window is known: the job runs again when the window opens,
 * in its place by due time (run_at kept; claims skip the channel until
 * then) rather than after a backoff that would put it behind later posts. */
static void rate_retry(const struct ctx *c, const struct net_result *r, int64_t *run_at, int64_t *wait)
{
	int64_t now = time_now_ms(), until;
	if (r->http_status != 429 || (until = ratelimit_channel_until(c->p.channel, now)) <= now)
		return;
	*wait = until - now;
	*run_at = c->job->run_at;
}

/* ---- outcomes ---------------------------------------------------------- */

static const char *outcome_name(enum net_outcome o)
{
	switch (o) {
	case NET_OK:
		return "published";
	case NET_RETRY:
		return "retry";
	case NET_FAIL:
		return "failed";
	case NET_AUTH:
		return "auth";
	default:
		return "unknown";
	}
}

static int reconcile(struct ctx *c, struct err *e);

/* Step 3: what the network said, committed in one transaction. */
static int apply(struct ctx *c, int64_t attempt_id, const struct net_result *r, struct err *e)
{
	int rc = store_begin(c->st, e);
	if (rc)
		return rc;
	int then_reconcile = 0;
	rc = finish_attempt(c, attempt_id, outcome_name(r->outcome), r->http_status, r->message, e);
	if (!rc)
		rc = save_state(c, e);
	if (rc) {
		/* nothing more */
	} else if (r->outcome == NET_OK) {
		rc = end(c, "publishing", "published", r, NULL, NULL, 0, e);
	} else if (r->outcome == NET_RETRY && c->p.attempts < c->job->max_attempts) {
		uint32_t rnd;
		crypto_random(&rnd, sizeof rnd);
		int64_t wait = jobs_backoff_ms(c->p.attempts, jobs_cfg()->retry_base_ms, 3600000, rnd);
		if (r->retry_after_ms > wait)
			wait = r->retry_after_ms;
		int64_t run_at = time_now_ms() + wait;
		rate_retry(c, r, &run_at, &wait);
		char msg[400];
		snprintf(msg, sizeof msg, "%s (attempt %d of %d; next in %lld s)", r->message, c->p.attempts,
			 c->job->max_attempts, (long long)((wait + 999) / 1000));
		struct store_val v[] = {SV_S("pending"), SV_N, SV_N, SV_S(msg), SV_S(r->code[0] ? r->code : NULL), SV_N,
					SV_I(time_now_ms()), SV_I(c->p.ws), SV_I(c->p.id), SV_S("publishing")};
		rc = store_exec(c->st, Q_PUB_SET_STATE, v, NARGS(v), NULL, NULL, e);
		if (!rc)
			rc = publication_sync_post(c->st, c->p.ws, c->p.post, e);
		if (!rc)
			rc = jobs_retry(c->st, c->job, c->owner, run_at, msg, e);
	} else if (r->outcome == NET_RETRY) {
		char msg[400];
		snprintf(msg, sizeof msg, "gave up after %d attempts: %s", c->p.attempts, r->message);
		rc = end(c, "publishing", "failed", r, r->code[0] ? r->code : "publication.gave_up", msg, 1, e);
	} else if (r->outcome == NET_FAIL) {
		rc = end(c, "publishing", "failed", r, r->code[0] ? r->code : "publication.rejected", r->message, 1, e);
	} else if (r->outcome == NET_AUTH) {
		rc = account_needs_reconnect(c->st, c->p.ws, c->p.channel, e);
		if (!rc)
			rc = end(c, "publishing", "failed", r, r->code[0] ? r->code : "channel.needs_reconnect", r->message,
				 1, e);
	} else if (c->conn->find_published) {
		then_reconcile = 1; /* unknown: ask the network before anything else */
	} else {
		rc = end(c, "publishing", "unconfirmed", r, r->code[0] ? r->code : "publication.unconfirmed", r->message,
			 0, e);
	}
	if (then_reconcile && !rc)
		return reconcile(c, e); /* continues (and commits) this transaction */
	if (rc || (rc = store_commit(c->st, e))) {
		store_rollback(c->st);
		return rc;
	}
	return 0;
}

/* Ask the network whether the post is there. Runs inside an open
 * transaction, which it commits with the reconcile attempt's row before
 * the call, then records what it learnt in a second one. */
static int reconcile(struct ctx *c, struct err *e)
{
	int64_t rid = 0;
	int rc = insert_attempt(c, "reconcile", &rid, e);
	if (rc || (rc = store_commit(c->st, e))) {
		store_rollback(c->st);
		return rc;
	}
	struct net_result r;
	memset(&r, 0, sizeof r);
	int found = c->conn->find_published(&c->acct, &c->np, &r);
	if ((rc = store_begin(c->st, e)))
		return rc;
	const char *outcome = found > 0 ? "found" : found == 0 ? "not_found" : "unknown";
	rc = finish_attempt(c, rid, outcome, r.http_status, r.message, e);
	if (!rc)
		rc = save_state(c, e);
	if (rc) {
		/* nothing more */
	} else if (found > 0) {
		rc = end(c, "publishing", "published", &r, NULL, NULL, 0, e);
	} else if (found == 0) {
		/* The network says it is not there: a new attempt is safe. */
		struct store_val v[] = {SV_S("pending"), SV_N, SV_N, SV_S("not found on the network after an interruption; "
									 "trying again"),
					SV_S("publication.not_found_remote"), SV_N, SV_I(time_now_ms()), SV_I(c->p.ws),
					SV_I(c->p.id), SV_S("publishing")};
		rc = store_exec(c->st, Q_PUB_SET_STATE, v, NARGS(v), NULL, NULL, e);
		if (!rc)
			rc = jobs_retry(c->st, c->job, c->owner, time_now_ms(), "reconciled: not published", e);
	} else {
		rc = end(c, "publishing", "unconfirmed", &r, r.code[0] ? r.code : "publication.unconfirmed",
			 r.message[0] ? r.message : "the network cannot tell whether the post went out: check it, then "
						    "retry or mark as published",
			 0, e);
	}
	if (rc || (rc = store_commit(c->st, e))) {
		store_rollback(c->st);
		return rc;
	}
	return 0;
}

/* ---- the publish job --------------------------------------------------- */

static int fail_now(struct ctx *c, const char *code, const char *msg, struct err *e)
{
	return end(c, c->p.state, "failed", NULL, code, msg, 1, e);
}

static void run_publish(struct ctx *c)
{
	struct err e;
	err_clear(&e);
	int64_t pub_id = json_integer_value(json_object_get(c->job->payload, "publication_id"));
	int no_grace = json_is_true(json_object_get(c->job->payload, "no_grace"));
	int rc = store_begin(c->st, &e);
	if (rc)
		goto fail;
	rc = load_pub(c->st, c->job->workspace_id, pub_id, &c->p, &e);
	if (rc == ERR_NOTFOUND) {
		/* the post was deleted: nothing to publish */
		rc = jobs_done(c->st, c->job, c->owner, &e);
		goto commit;
	}
	if (rc)
		goto rollback;
	if (strcmp(c->p.state, "pending") != 0 && strcmp(c->p.state, "publishing") != 0) {
		rc = jobs_done(c->st, c->job, c->owner, &e); /* decided meanwhile (canceled, marked) */
		goto commit;
	}
	c->conn = connector_for(c->p.network);
	struct open_attempt oa = {0, 0};
	void *octx[2] = {c->st, &oa};
	struct store_val ov[] = {SV_I(c->p.ws), SV_I(c->p.id)};
	if ((rc = store_exec(c->st, Q_ATTEMPT_OPEN, ov, NARGS(ov), open_row, octx, &e)) < 0)
		goto rollback;
	rc = 0;
	if (oa.id || strcmp(c->p.state, "publishing") == 0) {
		/* The process stopped during a call: its outcome is unknown. */
		if (oa.id && (rc = finish_attempt(c, oa.id, "interrupted", 0,
						    "kanal stopped during this call; its outcome is unknown", &e)))
			goto rollback;
		if (c->conn && c->conn->find_published) {
			if (!(rc = load_account(c, &e)) && !(rc = build_post(c, &e))) {
				rc = reconcile(c, &e);
				if (rc)
					goto fail;
				return;
			}
			/* The database failing now is no reason to give up asking
			 * the network: try again soon. */
			if (rc == ERR_DB || rc == ERR_UNAVAILABLE)
				goto rollback;
		}
		err_clear(&e);
		rc = end(c, c->p.state, "unconfirmed", NULL, "publication.unconfirmed",
			 "kanal stopped during the call and cannot ask the network: check it, then retry or mark as "
			 "published",
			 0, &e);
		goto commit;
	}
	if (c->job->attempts > c->job->max_attempts * 3) {
		rc = fail_now(c, "publication.crashed", "claimed many times without finishing", &e);
		goto commit;
	}
	int64_t now = time_now_ms(), grace = publishing_grace_ms(c->st, c->p.ws);
	if (c->p.attempts == 0 && !no_grace && now - c->p.due > grace) {
		char when[40], msg[200];
		time_fmt_rfc3339(c->p.due, when, sizeof when);
		snprintf(msg, sizeof msg, "due at %s; kanal could not publish it within the grace window of %lld s", when,
			 (long long)(grace / 1000));
		rc = end(c, "pending", "missed", NULL, "publication.missed", msg, 0, &e);
		goto commit;
	}
	int64_t one;
	struct store_val pv[] = {SV_I(c->p.ws), SV_I(c->p.channel)};
	if (store_one_int(c->st, Q_PAUSE_CHECK, pv, NARGS(pv), &one, NULL) == 0) {
		rc = jobs_release(c->st, c->job, c->owner, &e); /* paused since it was claimed */
		goto commit;
	}
	/* only whether it is there: channel_get also sums the channel's
	 * history, a cost that grows with every post it published */
	struct store_val chv[] = {SV_I(c->p.ws), SV_I(c->p.channel)};
	if (store_one_int(c->st, Q_CHANNEL_LIVE, chv, NARGS(chv), &one, NULL) != 0) {
		rc = fail_now(c, "channel.not_found", "the channel was removed before the post went out", &e);
		goto commit;
	}
	if (strcmp(c->p.network, "manual") == 0) {
		rc = end(c, "pending", "awaiting_manual", NULL, "publication.manual",
			 "publish it by hand now, then record its URL", 0, &e);
		goto commit;
	}
	if (!c->conn || !c->conn->publish) {
		char msg[120];
		snprintf(msg, sizeof msg, "kanal cannot publish to %s yet", c->p.network);
		rc = fail_now(c, "connector.unsupported", msg, &e);
		goto commit;
	}
	if ((rc = load_account(c, &e))) {
		if (rc == ERR_DB)
			goto rollback;
		char code[64], msg[256];
		str_copy(code, e.key, sizeof code);
		str_copy(msg, e.msg, sizeof msg);
		err_clear(&e);
		rc = fail_now(c, code, msg, &e);
		goto commit;
	}
	if ((rc = build_post(c, &e))) {
		if (rc == ERR_DB)
			goto rollback;
		char code[64], msg[256];
		str_copy(code, e.key, sizeof code);
		str_copy(msg, e.msg, sizeof msg);
		err_clear(&e);
		rc = fail_now(c, code, msg, &e);
		goto commit;
	}
	if (rate_hold(c, &rc, &e))
		goto commit;
	/* Step 1: the attempt is on disk before the network hears of it. */
	int64_t n = 0, attempt_id = 0;
	struct store_val sv[] = {SV_I(now), SV_I(c->p.ws), SV_I(c->p.id)};
	if ((rc = store_one_int(c->st, Q_PUB_START_ATTEMPT, sv, NARGS(sv), &n, &e)) ||
	    (rc = insert_attempt(c, "publish", &attempt_id, &e)) ||
	    (rc = publication_sync_post(c->st, c->p.ws, c->p.post, &e)) || (rc = store_commit(c->st, &e))) {
		rate_done(c, NULL);
		goto rollback;
	}
	c->p.attempts = (int)n;
	str_copy(c->p.state, "publishing", sizeof c->p.state);
	if (n == 1)
		jobs_metric_lateness(now - c->p.due);
	/* Step 2. */
	struct net_result r;
	memset(&r, 0, sizeof r);
	int called = oauth_tokens(c, 0, &r);
	if (called) {
		c->conn->publish(&c->acct, &c->np, &r);
		rate_done(c, &r);
	}
	/* A token refused right after a refresh is refused for good: the
	 * channel needs reconnecting, not another refresh. */
	if (called && r.outcome == NET_AUTH && strcmp(c->p.last_code, "oauth.refreshed") != 0) {
		struct net_result r2;
		memset(&r2, 0, sizeof r2);
		if (oauth_tokens(c, 1, &r2)) {
			r.outcome = NET_RETRY;
			str_copy(r.code, "oauth.refreshed", sizeof r.code);
			str_copy(r.message, "the network refused the access token; kanal refreshed it and tries again",
				 sizeof r.message);
		} else if (r2.outcome == NET_RETRY || r2.outcome == NET_AUTH) {
			r = r2; /* transient: try later; refused: reconnect, with the reason */
		}
	}
	log_info("publish %s publication %lld attempt %lld: %s%s%s", c->p.network, (long long)c->p.id, (long long)n,
		 outcome_name(r.outcome), r.message[0] ? ": " : "", r.message);
	/* Step 3. */
	if ((rc = apply(c, attempt_id, &r, &e)))
		goto fail;
	return;
commit:
	if (!rc && !(rc = store_commit(c->st, &e)))
		return;
rollback:
	store_rollback(c->st);
fail:
	log_error("job %lld (publication %lld): %s: %s", (long long)c->job->id, (long long)pub_id, e.key, e.msg);
	/* Let it run again soon; a lasting failure dead-letters it through
	 * the claim count above. */
	struct err e2;
	err_clear(&e2);
	jobs_retry(c->st, c->job, c->owner, time_now_ms() + 5000, e.msg, &e2);
}

void jobs_run(struct store *st, const char *owner, struct job *j)
{
	if (strcmp(j->kind, "publish") == 0) {
		struct ctx c;
		memset(&c, 0, sizeof c);
		c.st = st;
		c.owner = owner;
		c.job = j;
		run_publish(&c);
		ctx_free(&c);
		return;
	}
	struct err e;
	err_clear(&e);
	log_error("job %lld: unknown kind %s", (long long)j->id, j->kind);
	jobs_dead(st, j, owner, "unknown job kind", &e);
}

void *jobs_worker_main(void *arg)
{
	int no = (int)(intptr_t)arg;
	char owner[160], tag[24];
	jobs_owner(no, owner, sizeof owner);
	snprintf(tag, sizeof tag, "worker-%d", no);
	log_set_request_id(tag);
	int warned = 0;
	while (!jobs_stopping()) {
		struct err e;
		err_clear(&e);
		struct store *st = store_thread(jobs_cfg()->dsn, &e);
		if (!st) {
			if (!warned++)
				log_error("worker: cannot open the database: %s", e.msg);
			jobs_wait(1000);
			continue;
		}
		struct job j;
		int got = jobs_claim_worker(st, owner, jobs_cfg()->lease_ms, &j, &e);
		if (got > 0) {
			jobs_run(st, owner, &j);
			ratelimit_busy(j.channel_id, -1);
			jobs_job_free(&j);
			continue;
		}
		if (got < 0 && e.code != ERR_UNAVAILABLE)
			log_error("worker: claiming: %s", e.msg);
		/* Nothing due: sleep until the next job is due (at most a while),
		 * or until the scheduler wakes us. */
		int64_t next = 0, now = time_now_ms(), wait = 500, release = ratelimit_next_release(now);
		struct buf held = BUF_INIT(0);
		ratelimit_held_json(now, 1, &held);
		struct store_val v[] = {SV_I(now), SV_S(buf_cstr(&held))};
		if (store_one_int(st, Q_JOB_NEXT_RUN, v, NARGS(v), &next, NULL) == 0 && next > now && next - now < wait)
			wait = next - now;
		buf_free(&held);
		/* a rate window that opens sooner */
		if (release > now && release - now < wait)
			wait = release - now;
		jobs_wait(wait);
	}
	store_thread_close();
	log_set_request_id("");
	return NULL;
}
