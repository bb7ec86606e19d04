/* api_posts: channels, posts and their variants, the approval workflow and
 * the calendar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/time.h"
#include "core/content.h"
#include "http/http.h"

static int answer(struct req *r, int status, int rc, const char *key, json_t *v)
{
	if (rc)
		return rc;
	resp_json(r, status, key ? json_pack("{so}", key, v) : v);
	return 0;
}

/* ---- channels -------------------------------------------------------- */

int api_channels_list(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = channel_list(r->st, req_ws(r), &v, e);
	return answer(r, 200, rc, "channels", v);
}

int api_channels_create(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = req_json(r, e);
	if (!rc)
		rc = channel_create(r->st, &r->actor, req_ws(r), r->json, &v, e);
	return answer(r, 201, rc, "channel", v);
}

int api_channel_get(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = channel_get(r->st, req_ws(r), r->params[1], &v, e);
	return answer(r, 200, rc, "channel", v);
}

int api_channel_update(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = req_json(r, e);
	if (!rc)
		rc = channel_update(r->st, &r->actor, req_ws(r), r->params[1], r->json, &v, e);
	return answer(r, 200, rc, "channel", v);
}

int api_channel_delete(struct req *r, struct err *e)
{
	int rc = channel_delete(r->st, &r->actor, req_ws(r), r->params[1], e);
	if (!rc)
		resp_empty(r, 204);
	return rc;
}

int api_channel_next_slot(struct req *r, struct err *e)
{
	int64_t at;
	json_t *ch;
	int rc = channel_get(r->st, req_ws(r), r->params[1], &ch, e);
	if (rc)
		return rc;
	rc = schedule_next_slot(r->st, req_ws(r), r->params[1], time_now_ms(), &at, e);
	char local[20] = "";
	if (!rc)
		schedule_utc_to_local(at, json_string_value(json_object_get(ch, "timezone")), local);
	json_t *v = rc ? NULL
		       : json_pack("{so ss sO}", "at", json_time(at), "local", local, "timezone",
				   json_object_get(ch, "timezone"));
	json_decref(ch);
	return answer(r, 200, rc, NULL, v);
}

/* ---- posts ----------------------------------------------------------- */

static int query_time(struct req *r, const char *name, int64_t *out, struct err *e)
{
	const char *s = req_query(r, name);
	*out = 0;
	if (s && time_parse_rfc3339(s, out))
		return err_set(e, ERR_INVALID, "query.invalid", name, "%s must be an RFC 3339 time", name);
	return 0;
}

int api_posts_list(struct req *r, struct err *e)
{
	static const char *const states[] = {"draft",	  "in_review", "approved",    "scheduled", "publishing",
					     "published", "failed",    "unconfirmed", "canceled",  NULL};
	const char *state = req_query(r, "state"), *b = req_query(r, "before"), *l = req_query(r, "limit");
	long long before = 0, limit = 50;
	int64_t from, to;
	int rc;
	if (state) {
		int ok = 0;
		for (const char *const *s = states; *s; s++)
			if (strcmp(*s, state) == 0)
				ok = 1;
		if (!ok)
			return err_set(e, ERR_INVALID, "query.invalid", "state", "unknown state");
	}
	if (b && (str_to_i64(b, &before) || before < 0))
		return err_set(e, ERR_INVALID, "query.invalid", "before", "before must be a post id");
	if (l && (str_to_i64(l, &limit) || limit < 1 || limit > 200))
		return err_set(e, ERR_INVALID, "query.invalid", "limit", "limit must be 1 to 200");
	if ((rc = query_time(r, "from", &from, e)) || (rc = query_time(r, "to", &to, e)))
		return rc;
	json_t *v = NULL;
	rc = post_list(r->st, req_ws(r), state, from, to, before, (int)limit, &v, e);
	return answer(r, 200, rc, "posts", v);
}

int api_posts_create(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = req_json(r, e);
	if (!rc)
		rc = post_create(r->st, &r->actor, req_ws(r), r->json, &v, e);
	return answer(r, 201, rc, "post", v);
}

int api_post_get(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = post_get(r->st, req_ws(r), r->params[1], &v, e);
	return answer(r, 200, rc, "post", v);
}

int api_post_update(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = req_json(r, e);
	if (!rc)
		rc = post_update(r->st, &r->actor, r->role, req_ws(r), r->params[1], r->json, &v, e);
	return answer(r, 200, rc, "post", v);
}

int api_post_delete(struct req *r, struct err *e)
{
	int rc = post_delete(r->st, &r->actor, req_ws(r), r->params[1], e);
	if (!rc)
		resp_empty(r, 204);
	return rc;
}

int api_variant_update(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = req_json(r, e);
	if (!rc)
		rc = variant_update(r->st, &r->actor, req_ws(r), r->params[1], r->params[2], r->json, &v, e);
	return answer(r, 200, rc, "post", v);
}

/* The workflow: one route per action, so the route table states who may. */
static int transition(struct req *r, enum post_action action, struct err *e)
{
	json_t *v = NULL;
	int rc = 0;
	if (r->body.len) {
		if ((rc = req_json(r, e)))
			return rc;
	}
	rc = post_transition(r->st, &r->actor, r->role, req_ws(r), r->params[1], action, r->json, &v, e);
	return answer(r, 200, rc, "post", v);
}

int api_post_submit(struct req *r, struct err *e)
{
	return transition(r, POST_SUBMIT, e);
}
int api_post_approve(struct req *r, struct err *e)
{
	return transition(r, POST_APPROVE, e);
}
int api_post_request_changes(struct req *r, struct err *e)
{
	return transition(r, POST_REQUEST_CHANGES, e);
}
int api_post_schedule(struct req *r, struct err *e)
{
	return transition(r, POST_SCHEDULE, e);
}
int api_post_unschedule(struct req *r, struct err *e)
{
	return transition(r, POST_UNSCHEDULE, e);
}
int api_post_cancel(struct req *r, struct err *e)
{
	return transition(r, POST_CANCEL, e);
}
int api_post_reopen(struct req *r, struct err *e)
{
	return transition(r, POST_REOPEN, e);
}

int api_post_comment(struct req *r, struct err *e)
{
	static const char *const keys[] = {"body", NULL};
	const char *body;
	int rc;
	if ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_str(r->json, "body", 1, 1, 5000, &body, e)))
		return rc;
	json_t *p;
	if ((rc = post_get(r->st, req_ws(r), r->params[1], &p, e)))
		return rc;
	json_decref(p);
	if ((rc = post_comment(r->st, &r->actor, req_ws(r), r->params[1], "comment", body, e)))
		return rc;
	json_t *v = NULL;
	rc = post_get(r->st, req_ws(r), r->params[1], &v, e);
	return answer(r, 201, rc, "post", v);
}

int api_calendar(struct req *r, struct err *e)
{
	const char *from = req_query(r, "from"), *to = req_query(r, "to");
	if (!from || !to)
		return err_set(e, ERR_INVALID, "query.invalid", from ? "to" : "from",
			       "give from and to as dates, e.g. ?from=2026-12-01&to=2026-12-31");
	/* The busiest read: kept while nothing it shows changes, written
	 * straight out (no JSON tree) when it must be made. */
	struct buf b = BUF_INIT(0);
	char etag[CALENDAR_ETAG_SIZE];
	int rc = calendar_range_cached(r->st, req_ws(r), from, to, &b, etag, e);
	if (!rc) {
		const char *inm = req_header(r, "If-None-Match");
		if (etag[0])
			resp_header(r, "ETag", etag);
		if (etag[0] && inm && strcmp(inm, etag) == 0)
			resp_empty(r, 304);
		else
			resp_text(r, 200, "application/json", buf_cstr(&b), b.len);
	}
	buf_free(&b);
	return rc;
}

/* ---- review links ---------------------------------------------------- */

int api_post_share(struct req *r, struct err *e)
{
	static const char *const keys[] = {"days", NULL};
	long long days = 7;
	int rc = 0;
	if (r->body.len && ((rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
			    (rc = json_get_int(r->json, "days", 0, -1000000, 1000000, &days, e)) < 0))
		return rc;
	char token[256];
	int64_t exp;
	if ((rc = share_create(r->st, &r->actor, req_ws(r), r->params[1], days, token, sizeof token, &exp, e)))
		return rc;
	char url[300];
	snprintf(url, sizeof url, "/#/review/%s", token);
	resp_json(r, 201, json_pack("{ss ss so}", "token", token, "url", url, "expires_at", json_time(exp)));
	return 0;
}

/* The reviewer acts as a client approver named by the link. */
static int reviewer(struct req *r, int64_t *ws, int64_t *post, int64_t *exp, struct err *e)
{
	int rc = share_open(r->key, ws, post, exp, e);
	if (rc)
		return rc;
	memset(&r->actor, 0, sizeof r->actor);
	r->actor.token_role = ROLE_NONE;
	r->actor.request_id = r->request_id;
	str_copy(r->actor.label, "Review link", sizeof r->actor.label);
	r->role = ROLE_CLIENT;
	return 0;
}

static json_t *public_view(json_t *p)
{
	json_object_del(p, "notes");
	json_object_del(p, "created_by");
	return p;
}

int api_review_get(struct req *r, struct err *e)
{
	int64_t ws, post, exp;
	int rc = reviewer(r, &ws, &post, &exp, e);
	json_t *p = NULL;
	struct workspace w;
	if (rc || (rc = workspace_get(r->st, ws, &w, e)) || (rc = post_get(r->st, ws, post, &p, e)))
		return rc;
	resp_json(r, 200, json_pack("{so ss ss so}", "post", public_view(p), "workspace", w.name, "timezone", w.timezone,
				    "expires_at", json_time(exp)));
	return 0;
}

static int review_name(struct req *r, struct err *e)
{
	const char *name = NULL;
	int rc = json_get_str(r->json, "name", 0, 1, 400, &name, e);
	if (rc < 0)
		return rc;
	if (name)
		snprintf(r->actor.label, sizeof r->actor.label, "%.400s (review link)", name);
	json_object_del(r->json, "name");
	return 0;
}

static int review_action(struct req *r, enum post_action action, struct err *e)
{
	int64_t ws, post, exp;
	int rc = reviewer(r, &ws, &post, &exp, e);
	if (rc)
		return rc;
	if (r->body.len && ((rc = req_json(r, e)) || (rc = review_name(r, e))))
		return rc;
	json_t *p = NULL;
	if ((rc = post_transition(r->st, &r->actor, ROLE_CLIENT, ws, post, action, r->json, &p, e)))
		return rc;
	resp_json(r, 200, json_pack("{so}", "post", public_view(p)));
	return 0;
}

int api_review_approve(struct req *r, struct err *e)
{
	return review_action(r, POST_APPROVE, e);
}

int api_review_request_changes(struct req *r, struct err *e)
{
	return review_action(r, POST_REQUEST_CHANGES, e);
}

int api_review_comment(struct req *r, struct err *e)
{
	static const char *const keys[] = {"body", "name", NULL};
	int64_t ws, post, exp;
	const char *body;
	int rc;
	if ((rc = reviewer(r, &ws, &post, &exp, e)) || (rc = req_json(r, e)) || (rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_str(r->json, "body", 1, 1, 5000, &body, e)) || (rc = review_name(r, e)))
		return rc;
	json_t *p = NULL;
	if ((rc = post_get(r->st, ws, post, &p, e)))
		return rc;
	json_decref(p);
	if ((rc = post_comment(r->st, &r->actor, ws, post, "comment", body, e)) || (rc = post_get(r->st, ws, post, &p, e)))
		return rc;
	resp_json(r, 201, json_pack("{so}", "post", public_view(p)));
	return 0;
}
