/* publication: one variant published at one occurrence — its state, the
 * attempts made for it, what people decide when it went wrong, the post's
 * state that follows from its publications, the crisis pause and the grace
 * window. The engine (src/jobs) moves publications through the network;
 * everything a person sees or decides is here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/time.h"
#include "core/content.h"
#include "core/publish.h"

static const char *const states[] = {"pending", "publishing",	  "published",	     "failed",
				     "unconfirmed", "missed", "awaiting_manual", "canceled", NULL};

int publication_state_valid(const char *state)
{
	for (const char *const *s = states; state && *s; s++)
		if (strcmp(*s, state) == 0)
			return 1;
	return 0;
}

void publication_key(int64_t variant, int64_t due_ms, char *out, size_t size)
{
	snprintf(out, size, "v%lld-%lld", (long long)variant, (long long)due_ms);
}

static void job_key(const char *pub_key, char *out, size_t size)
{
	snprintf(out, size, "publish:%s", pub_key);
}

/* The engine acts as "kanal" in the audit log. */
static void system_actor(struct actor *a)
{
	memset(a, 0, sizeof *a);
	a->token_role = ROLE_NONE;
	str_copy(a->label, "kanal", sizeof a->label);
}

/* ---- reading ---------------------------------------------------------- */

static json_t *opt_text(struct store *st, struct store_row *r, int i)
{
	const char *s = store_text(st, r, i);
	return s ? json_string(s) : json_null();
}

static int pub_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	json_t *p = json_object();
	json_object_set_new(p, "id", json_integer(store_int(st, r, 0)));
	json_object_set_new(p, "post_id", json_integer(store_int(st, r, 1)));
	json_object_set_new(p, "post_title", json_string(store_text(st, r, 17)));
	json_object_set_new(p, "variant_id", json_integer(store_int(st, r, 2)));
	json_object_set_new(p, "channel", json_pack("{sI ss ss}", "id", (json_int_t)store_int(st, r, 3), "name",
						    store_text(st, r, 16), "network", store_text(st, r, 4)));
	json_object_set_new(p, "due_at", json_time(store_int(st, r, 5)));
	json_object_set_new(p, "state", json_string(store_text(st, r, 6)));
	json_object_set_new(p, "remote_id", opt_text(st, r, 7));
	json_object_set_new(p, "remote_url", opt_text(st, r, 8));
	json_object_set_new(p, "attempts", json_integer(store_int(st, r, 9)));
	json_object_set_new(p, "last_error", opt_text(st, r, 10));
	json_object_set_new(p, "last_error_code", opt_text(st, r, 11));
	json_object_set_new(p, "idempotency_key", json_string(store_text(st, r, 12)));
	json_object_set_new(p, "published_at",
			    store_is_null(st, r, 13) ? json_null() : json_time(store_int(st, r, 13)));
	json_object_set_new(p, "created_at", json_time(store_int(st, r, 14)));
	json_object_set_new(p, "updated_at", json_time(store_int(st, r, 15)));
	json_array_append_new(c[1], p);
	return 0;
}

static int attempt_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	int64_t started = store_int(st, r, 4);
	json_t *a = json_pack("{sI ss ss so}", "attempt", (json_int_t)store_int(st, r, 1), "kind", store_text(st, r, 2),
			      "idempotency_key", store_text(st, r, 3), "started_at", json_time(started));
	if (store_is_null(st, r, 5)) {
		json_object_set_new(a, "finished_at", json_null());
		json_object_set_new(a, "duration_ms", json_null());
	} else {
		json_object_set_new(a, "finished_at", json_time(store_int(st, r, 5)));
		json_object_set_new(a, "duration_ms", json_integer(store_int(st, r, 5) - started));
	}
	json_object_set_new(a, "outcome", opt_text(st, r, 6));
	json_object_set_new(a, "http_status", store_is_null(st, r, 7) ? json_null() : json_integer(store_int(st, r, 7)));
	json_object_set_new(a, "message", opt_text(st, r, 8));
	json_array_append_new(c[1], a);
	return 0;
}

/* Add each publication's attempts and, for waiting ones, whether a pause
 * holds them. */
static int decorate(struct store *st, int64_t ws, json_t *arr, struct err *e)
{
	size_t i;
	json_t *p;
	json_array_foreach(arr, i, p)
	{
		json_t *tl = json_array();
		void *ctx[2] = {st, tl};
		struct store_val v[] = {SV_I(ws), SV_I(json_integer_value(json_object_get(p, "id")))};
		int rc = store_exec(st, Q_ATTEMPT_LIST, v, NARGS(v), attempt_row, ctx, e);
		json_object_set_new(p, "timeline", tl);
		if (rc < 0)
			return rc;
		int paused = 0;
		if (strcmp(json_string_value(json_object_get(p, "state")), "pending") == 0) {
			int64_t one = 0;
			struct store_val pv[] = {SV_I(ws),
						 SV_I(json_integer_value(json_object_get(json_object_get(p, "channel"), "id")))};
			paused = store_one_int(st, Q_PAUSE_CHECK, pv, NARGS(pv), &one, NULL) == 0;
		}
		json_object_set_new(p, "paused", json_boolean(paused));
	}
	return 0;
}

static int list(struct store *st, enum store_q q, const struct store_val *v, size_t n, int64_t ws, json_t **out,
		struct err *e)
{
	json_t *arr = json_array();
	void *ctx[2] = {st, arr};
	int rc = store_exec(st, q, v, n, pub_row, ctx, e);
	if (rc >= 0)
		rc = decorate(st, ws, arr, e);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int publication_list_post(struct store *st, int64_t ws, int64_t post, json_t **out, struct err *e)
{
	json_t *p = NULL;
	int rc = post_get(st, ws, post, &p, e);
	json_decref(p);
	if (rc)
		return rc;
	struct store_val v[] = {SV_I(ws), SV_I(post)};
	return list(st, Q_PUB_LIST_POST, v, NARGS(v), ws, out, e);
}

int publication_list_state(struct store *st, int64_t ws, const char *state, int64_t before_id, int limit,
			   json_t **out, struct err *e)
{
	if (!publication_state_valid(state))
		return err_set(e, ERR_INVALID, "query.invalid", "state", "unknown publication state");
	struct store_val v[] = {SV_I(ws), SV_S(state), SV_I(before_id > 0 ? before_id : INT64_MAX), SV_I(limit)};
	return list(st, Q_PUB_LIST_STATE, v, NARGS(v), ws, out, e);
}

int publication_get(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e)
{
	json_t *arr;
	struct store_val v[] = {SV_I(ws), SV_I(id)};
	int rc = list(st, Q_PUB_GET, v, NARGS(v), ws, &arr, e);
	if (rc)
		return rc;
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return err_set(e, ERR_NOTFOUND, "publication.not_found", "", "no such publication");
	}
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return 0;
}

/* ---- the post follows its publications -------------------------------- */

struct counts {
	int64_t n[8];
	int64_t total;
};

static int count_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct counts *k = c[1];
	const char *s = store_text(c[0], r, 0);
	for (int i = 0; states[i]; i++)
		if (strcmp(states[i], s) == 0)
			k->n[i] += store_int(c[0], r, 1);
	k->total += store_int(c[0], r, 1);
	return 0;
}

int publication_sync_post(struct store *st, int64_t ws, int64_t post, struct err *e)
{
	enum { PENDING, PUBLISHING, PUBLISHED, FAILED, UNCONFIRMED, MISSED, MANUAL, CANCELED };
	struct counts k = {{0}, 0};
	void *ctx[2] = {st, &k};
	struct store_val v[] = {SV_I(ws), SV_I(post)};
	int rc = store_exec(st, Q_PUB_POST_STATES, v, NARGS(v), count_row, ctx, e);
	if (rc < 0 || k.total == 0)
		return rc < 0 ? rc : 0;
	const char *state;
	if (k.n[PENDING] + k.n[PUBLISHING] + k.n[MANUAL] > 0) {
		state = "publishing";
	} else if (k.n[CANCELED] == k.total) {
		state = "canceled";
	} else if (k.n[PUBLISHED] + k.n[CANCELED] == k.total) {
		int64_t next = 0;
		int more = store_one_int(st, Q_POST_NEXT_DUE, v, NARGS(v), &next, NULL) == 0 && next > 0;
		state = more ? "scheduled" : "published";
	} else if (k.n[UNCONFIRMED] > 0) {
		state = "unconfirmed";
	} else {
		state = "failed";
	}
	struct store_val u[] = {SV_S(state), SV_I(time_now_ms()), SV_I(ws), SV_I(post)};
	return store_exec(st, Q_POST_SET_PUBSTATE, u, NARGS(u), NULL, NULL, e);
}

int64_t publishing_grace_ms(struct store *st, int64_t ws)
{
	int64_t g = PUBLISH_GRACE_DEFAULT_MS;
	struct store_val v = SV_I(ws);
	if (store_one_int(st, Q_WS_GRACE, &v, 1, &g, NULL))
		g = PUBLISH_GRACE_DEFAULT_MS;
	return g;
}

/* ---- moving a publication ---------------------------------------------- */

static int set_state(struct store *st, int64_t ws, int64_t id, const char *from, const char *to,
		     const char *remote_id, const char *remote_url, const char *code, const char *message,
		     struct err *e)
{
	int64_t now = time_now_ms();
	struct store_val v[] = {SV_S(to),
				SV_S(remote_id),
				SV_S(remote_url),
				SV_S(message),
				SV_S(code),
				strcmp(to, "published") == 0 ? SV_I(now) : SV_N,
				SV_I(now),
				SV_I(ws),
				SV_I(id),
				SV_S(from)};
	int rc = store_exec(st, Q_PUB_SET_STATE, v, NARGS(v), NULL, NULL, e);
	if (!rc && store_changes(st) == 0)
		rc = err_set(e, ERR_CONFLICT, "publication.changed", "", "the publication changed meanwhile; reload it");
	return rc;
}

static void target_of(json_t *p, char *out, size_t n)
{
	snprintf(out, n, "post:%lld/publication:%lld", (long long)json_integer_value(json_object_get(p, "post_id")),
		 (long long)json_integer_value(json_object_get(p, "id")));
}

int publication_finish(struct store *st, int64_t ws, int64_t id, const char *from, const char *to,
		       const char *remote_id, const char *remote_url, const char *code, const char *message,
		       struct err *e)
{
	json_t *p = NULL;
	int rc = publication_get(st, ws, id, &p, e);
	if (rc)
		return rc;
	rc = set_state(st, ws, id, from, to, remote_id, remote_url, code, message, e);
	/* People are told about everything that needs them. */
	if (!rc && (strcmp(to, "failed") == 0 || strcmp(to, "unconfirmed") == 0 || strcmp(to, "missed") == 0 ||
		    strcmp(to, "awaiting_manual") == 0)) {
		struct actor sys;
		system_actor(&sys);
		char target[80], action[48];
		target_of(p, target, sizeof target);
		snprintf(action, sizeof action, "publication.%s", to);
		json_t *after = json_pack("{ss sO sO sO ss* ss*}", "state", to, "channel", json_object_get(p, "channel"),
					  "due_at", json_object_get(p, "due_at"), "attempts", json_object_get(p, "attempts"),
					  "code", code, "message", message);
		rc = audit_record(st, &sys, ws, action, target, NULL, after, e);
		json_decref(after);
	}
	if (!rc)
		rc = publication_sync_post(st, ws, json_integer_value(json_object_get(p, "post_id")), e);
	json_decref(p);
	return rc;
}

static int in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

static int finish_job(struct store *st, const char *pub_key, struct err *e)
{
	char key[96];
	job_key(pub_key, key, sizeof key);
	struct store_val v[] = {SV_I(time_now_ms()), SV_S(key)};
	return store_exec(st, Q_JOB_FINISH_KEY, v, NARGS(v), NULL, NULL, e);
}

/* Run the publication's job again now (made anew if it is gone); no grace
 * window applies: a person asked for it. */
static int revive_job(struct store *st, int64_t ws, json_t *p, struct err *e)
{
	char key[96];
	int64_t now = time_now_ms(), id = json_integer_value(json_object_get(p, "id"));
	job_key(json_string_value(json_object_get(p, "idempotency_key")), key, sizeof key);
	char payload[96];
	snprintf(payload, sizeof payload, "{\"publication_id\":%lld,\"no_grace\":true}", (long long)id);
	struct store_val v[] = {SV_S(payload), SV_I(now), SV_I(now), SV_S(key)};
	int rc = store_exec(st, Q_JOB_REVIVE, v, NARGS(v), NULL, NULL, e);
	if (rc || store_changes(st) > 0)
		return rc;
	int64_t jid;
	struct store_val ins[] = {SV_S("publish"),
				  SV_S(payload),
				  SV_I(ws),
				  SV_I(json_integer_value(json_object_get(json_object_get(p, "channel"), "id"))),
				  SV_I(now),
				  SV_I(PUBLISH_MAX_ATTEMPTS),
				  SV_S(key),
				  SV_I(now)};
	rc = store_one_int(st, Q_JOB_INSERT, ins, NARGS(ins), &jid, e);
	return rc == ERR_NOTFOUND ? 0 : rc;
}

int publication_act(struct store *st, const struct actor *a, int64_t ws, int64_t id, enum publication_action act,
		    json_t *args, json_t **out, struct err *e)
{
	static const char *const from_retry[] = {"failed", "unconfirmed", "missed", NULL};
	static const char *const from_mark[] = {"pending", "failed", "unconfirmed", "missed", "awaiting_manual",
						"canceled", NULL};
	static const char *const from_cancel[] = {"pending", "failed", "unconfirmed", "missed", "awaiting_manual", NULL};
	static const char *const names[] = {"retry", "mark_published", "cancel"};
	const char *url = NULL, *remote_id = NULL;
	int rc = 0;
	if (act == PUB_MARK_PUBLISHED) {
		static const char *const keys[] = {"url", "remote_id", NULL};
		if (!args || (rc = json_only_keys(args, keys, e)) || (rc = json_get_str(args, "url", 0, 1, 2048, &url, e)) < 0 ||
		    (rc = json_get_str(args, "remote_id", 0, 1, 255, &remote_id, e)) < 0)
			return args ? rc : err_set(e, ERR_INVALID, "field.required", "$.url", "give the post's url");
		if (!url && !remote_id)
			return err_set(e, ERR_INVALID, "field.required", "$.url", "give the post's url (or its remote_id)");
		if (url && !(str_starts(url, "https://") || str_starts(url, "http://")))
			return err_set(e, ERR_INVALID, "publication.url", "$.url", "the url is an http(s) URL");
		for (const char *c = url; c && *c; c++)
			if ((unsigned char)*c <= 0x20 || *c == 0x7f)
				return err_set(e, ERR_INVALID, "publication.url", "$.url", "a URL has no spaces");
	}
	json_t *p = NULL;
	if ((rc = store_begin(st, e)))
		return rc;
	if ((rc = publication_get(st, ws, id, &p, e)))
		return core_tx_fail(st, rc);
	char state[24];
	str_copy(state, json_string_value(json_object_get(p, "state")), sizeof state);
	const char *const *from = act == PUB_RETRY ? from_retry : act == PUB_MARK_PUBLISHED ? from_mark : from_cancel;
	const char *pkey = json_string_value(json_object_get(p, "idempotency_key"));
	if (!in_list(state, from))
		rc = err_set(e, ERR_CONFLICT, "publication.transition", "", "a %s publication cannot be %s", state,
			     act == PUB_RETRY ? "retried" : act == PUB_CANCEL ? "canceled" : "marked as published");
	else if (act == PUB_RETRY) {
		rc = set_state(st, ws, id, state, "pending", NULL, NULL, NULL, NULL, e);
		if (!rc)
			rc = revive_job(st, ws, p, e);
	} else if (act == PUB_MARK_PUBLISHED) {
		rc = set_state(st, ws, id, state, "published", remote_id ? remote_id : url, url, NULL, NULL, e);
		if (!rc)
			rc = finish_job(st, pkey, e);
	} else {
		rc = set_state(st, ws, id, state, "canceled", NULL, NULL, NULL, NULL, e);
		if (!rc)
			rc = finish_job(st, pkey, e);
	}
	if (!rc)
		rc = publication_sync_post(st, ws, json_integer_value(json_object_get(p, "post_id")), e);
	if (!rc) {
		char target[80], action[48];
		target_of(p, target, sizeof target);
		snprintf(action, sizeof action, "publication.%s", names[act]);
		json_t *before = json_pack("{ss}", "state", state);
		json_t *after = json_pack("{ss}", "state",
					  act == PUB_RETRY ? "pending" : act == PUB_CANCEL ? "canceled" : "published");
		if (url)
			json_object_set_new(after, "url", json_string(url));
		rc = audit_record(st, a, ws, action, target, before, after, e);
		json_decref(before);
		json_decref(after);
	}
	json_decref(p);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return publication_get(st, ws, id, out, e);
}

/* ---- the crisis pause -------------------------------------------------- */

static int pause_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	int64_t ch = store_int(st, r, 0);
	json_array_append_new(c[1], json_pack("{so so ss so}", "channel_id", ch ? json_integer(ch) : json_null(),
					      "paused_by", store_is_null(st, r, 1) ? json_null() : json_integer(store_int(st, r, 1)),
					      "reason", store_text(st, r, 2), "paused_at", json_time(store_int(st, r, 3))));
	return 0;
}

int publishing_status(struct store *st, int64_t ws, json_t **out, struct err *e)
{
	json_t *paused = json_array();
	void *ctx[2] = {st, paused};
	struct store_val v = SV_I(ws);
	int rc = store_exec(st, Q_PAUSE_LIST, &v, 1, pause_row, ctx, e);
	if (rc < 0) {
		json_decref(paused);
		return rc;
	}
	*out = json_pack("{so sI}", "paused", paused, "grace_seconds", (json_int_t)(publishing_grace_ms(st, ws) / 1000));
	return 0;
}

static int check_channel(struct store *st, int64_t ws, int64_t channel, struct err *e)
{
	if (channel <= 0)
		return 0;
	json_t *ch = NULL;
	int rc = channel_get(st, ws, channel, &ch, NULL);
	json_decref(ch);
	return rc ? err_set(e, ERR_INVALID, "publishing.channel", "$.channel_id", "no such channel in this workspace") : 0;
}

int publishing_pause(struct store *st, const struct actor *a, int64_t ws, int64_t channel, const char *reason,
		     json_t **out, struct err *e)
{
	int rc = check_channel(st, ws, channel, e);
	if (rc || (rc = store_begin(st, e)))
		return rc;
	struct store_val v[] = {SV_I(ws), SV_I(channel > 0 ? channel : 0), SV_ID(a->user_id), SV_S(reason ? reason : ""),
				SV_I(time_now_ms())};
	rc = store_exec(st, Q_PAUSE_INSERT, v, NARGS(v), NULL, NULL, e);
	if (!rc) {
		json_t *after = json_pack("{so ss}", "channel_id", channel > 0 ? json_integer(channel) : json_null(), "reason",
					  reason ? reason : "");
		char target[40];
		snprintf(target, sizeof target, "workspace:%lld", (long long)ws);
		rc = audit_record(st, a, ws, "publishing.pause", target, NULL, after, e);
		json_decref(after);
	}
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return publishing_status(st, ws, out, e);
}

struct due {
	int64_t id, due, channel;
};

static int due_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct due **list = c[1];
	size_t *n = c[2];
	if (*n % 64 == 0)
		*list = xrealloc(*list, (*n + 64) * sizeof **list);
	(*list)[*n] = (struct due){store_int(c[0], r, 0), store_int(c[0], r, 1), store_int(c[0], r, 2)};
	(*n)++;
	return 0;
}

static int chan_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	json_array_append_new(c[1], json_integer(store_int(c[0], r, 0)));
	return 0;
}

int publishing_resume(struct store *st, const struct actor *a, int64_t ws, int64_t channel, json_t **out,
		      struct err *e)
{
	int rc = check_channel(st, ws, channel, e);
	if (rc || (rc = store_begin(st, e)))
		return rc;
	/* Lift the pause: one channel's, or every one of the workspace. */
	json_t *lift = json_array();
	if (channel > 0) {
		json_array_append_new(lift, json_integer(channel));
	} else {
		void *ctx[2] = {st, lift};
		struct store_val v = SV_I(ws);
		rc = store_exec(st, Q_PAUSE_LIST, &v, 1, chan_row, ctx, e);
	}
	size_t i;
	json_t *c;
	json_array_foreach(lift, i, c) if (!rc)
	{
		struct store_val d[] = {SV_I(ws), SV_I(json_integer_value(c))};
		rc = store_exec(st, Q_PAUSE_DELETE, d, NARGS(d), NULL, NULL, e);
	}
	json_decref(lift);
	/* What fell due meanwhile goes out now if still within the grace
	 * window, else it is missed and people are told. */
	int64_t now = time_now_ms(), grace = publishing_grace_ms(st, ws), resumed = 0, missed = 0;
	struct due *due = NULL;
	size_t n = 0;
	void *dctx[3] = {st, &due, &n};
	struct store_val q[] = {SV_I(ws), SV_I(channel > 0 ? channel : 0), SV_I(now)};
	if (!rc)
		rc = store_exec(st, Q_PUB_PAUSED_DUE, q, NARGS(q), due_row, dctx, e);
	for (size_t k = 0; !rc && k < n; k++) {
		int64_t one;
		struct store_val pv[] = {SV_I(ws), SV_I(due[k].channel)};
		if (store_one_int(st, Q_PAUSE_CHECK, pv, NARGS(pv), &one, NULL) == 0)
			continue; /* still paused by another pause */
		if (now - due[k].due <= grace) {
			resumed++;
			continue;
		}
		json_t *p = NULL;
		if ((rc = publication_get(st, ws, due[k].id, &p, e)))
			break;
		char when[40], msg[200];
		time_fmt_rfc3339(due[k].due, when, sizeof when);
		snprintf(msg, sizeof msg, "due at %s while publishing was paused; past the grace window of %lld s", when,
			 (long long)(grace / 1000));
		rc = publication_finish(st, ws, due[k].id, "pending", "missed", NULL, NULL, "publication.missed", msg, e);
		if (!rc)
			rc = finish_job(st, json_string_value(json_object_get(p, "idempotency_key")), e);
		json_decref(p);
		missed++;
	}
	free(due);
	if (!rc) {
		json_t *after = json_pack("{so sI sI}", "channel_id", channel > 0 ? json_integer(channel) : json_null(),
					  "resumed", (json_int_t)resumed, "missed", (json_int_t)missed);
		char target[40];
		snprintf(target, sizeof target, "workspace:%lld", (long long)ws);
		rc = audit_record(st, a, ws, "publishing.resume", target, NULL, after, e);
		json_decref(after);
	}
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	if ((rc = publishing_status(st, ws, out, e)))
		return rc;
	json_object_set_new(*out, "resumed", json_integer(resumed));
	json_object_set_new(*out, "missed", json_integer(missed));
	return 0;
}

int publishing_settings(struct store *st, const struct actor *a, int64_t ws, json_t *fields, json_t **out,
			struct err *e)
{
	static const char *const keys[] = {"grace_seconds", NULL};
	long long grace = 0;
	int rc;
	if ((rc = json_only_keys(fields, keys, e)) ||
	    (rc = json_get_int(fields, "grace_seconds", 1, 1, PUBLISH_GRACE_MAX_S, &grace, e)))
		return rc;
	if ((rc = store_begin(st, e)))
		return rc;
	int64_t before = publishing_grace_ms(st, ws) / 1000;
	struct store_val v[] = {SV_I(grace * 1000), SV_I(time_now_ms()), SV_I(ws)};
	rc = store_exec(st, Q_WS_SET_GRACE, v, NARGS(v), NULL, NULL, e);
	if (!rc) {
		json_t *b = json_pack("{sI}", "grace_seconds", (json_int_t)before);
		json_t *f = json_pack("{sI}", "grace_seconds", (json_int_t)grace);
		char target[40];
		snprintf(target, sizeof target, "workspace:%lld", (long long)ws);
		rc = audit_record(st, a, ws, "publishing.settings", target, b, f, e);
		json_decref(b);
		json_decref(f);
	}
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return publishing_status(st, ws, out, e);
}
