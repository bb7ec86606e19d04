/* api_publishing: channel accounts, publications with their attempts, what
 * people decide about them (retry, mark published, cancel), the crisis
 * pause and the grace window. */
#include <string.h>

#include "base/json.h"
#include "core/publish.h"
#include "http/http.h"
#include "jobs/jobs.h"

static int answer(struct req *r, int status, int rc, const char *key, json_t *v)
{
	if (rc)
		return rc;
	resp_json(r, status, key ? json_pack("{so}", key, v) : v);
	return 0;
}

/* An optional JSON body: none is the same as {}. */
static int opt_json(struct req *r, struct err *e)
{
	return r->body.len ? req_json(r, e) : 0;
}

int api_channel_account_put(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = req_json(r, e);
	if (!rc)
		rc = account_put(r->st, &r->actor, req_ws(r), r->params[1], r->json, &v, e);
	return answer(r, 200, rc, "channel", v);
}

int api_post_publications(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = publication_list_post(r->st, req_ws(r), r->params[1], &v, e);
	return answer(r, 200, rc, "publications", v);
}

int api_publications_list(struct req *r, struct err *e)
{
	const char *state = req_query(r, "state"), *b = req_query(r, "before"), *l = req_query(r, "limit");
	long long before = 0, limit = 50;
	if (!state)
		return err_set(e, ERR_INVALID, "query.invalid", "state",
			       "give a state, e.g. ?state=failed (or unconfirmed, missed, awaiting_manual)");
	if (b && (str_to_i64(b, &before) || before < 0))
		return err_set(e, ERR_INVALID, "query.invalid", "before", "before must be a publication id");
	if (l && (str_to_i64(l, &limit) || limit < 1 || limit > 200))
		return err_set(e, ERR_INVALID, "query.invalid", "limit", "limit must be 1 to 200");
	json_t *v = NULL;
	int rc = publication_list_state(r->st, req_ws(r), state, before, (int)limit, &v, e);
	return answer(r, 200, rc, "publications", v);
}

int api_publication_get(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = publication_get(r->st, req_ws(r), r->params[1], &v, e);
	return answer(r, 200, rc, "publication", v);
}

static int act(struct req *r, enum publication_action a, struct err *e)
{
	json_t *v = NULL;
	int rc = opt_json(r, e);
	if (!rc)
		rc = publication_act(r->st, &r->actor, req_ws(r), r->params[1], a, r->json, &v, e);
	if (!rc && a == PUB_RETRY)
		jobs_wake();
	return answer(r, 200, rc, "publication", v);
}

int api_publication_retry(struct req *r, struct err *e)
{
	return act(r, PUB_RETRY, e);
}

int api_publication_mark_published(struct req *r, struct err *e)
{
	return act(r, PUB_MARK_PUBLISHED, e);
}

int api_publication_cancel(struct req *r, struct err *e)
{
	return act(r, PUB_CANCEL, e);
}

int api_publishing_get(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = publishing_status(r->st, req_ws(r), &v, e);
	return answer(r, 200, rc, NULL, v);
}

int api_publishing_update(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = req_json(r, e);
	if (!rc)
		rc = publishing_settings(r->st, &r->actor, req_ws(r), r->json, &v, e);
	return answer(r, 200, rc, NULL, v);
}

/* {channel_id?, reason?} */
static int pause_args(struct req *r, long long *channel, const char **reason, struct err *e)
{
	static const char *const keys[] = {"channel_id", "reason", NULL};
	int rc = opt_json(r, e);
	*channel = 0;
	*reason = NULL;
	if (rc || !r->json)
		return rc;
	if ((rc = json_only_keys(r->json, keys, e)) ||
	    (rc = json_get_int(r->json, "channel_id", 0, 1, INT64_MAX, channel, e)) < 0 ||
	    (rc = json_get_str(r->json, "reason", 0, 0, 500, reason, e)) < 0)
		return rc;
	return 0;
}

int api_publishing_pause(struct req *r, struct err *e)
{
	long long channel;
	const char *reason;
	json_t *v = NULL;
	int rc = pause_args(r, &channel, &reason, e);
	if (!rc)
		rc = publishing_pause(r->st, &r->actor, req_ws(r), channel, reason, &v, e);
	return answer(r, 200, rc, NULL, v);
}

int api_publishing_resume(struct req *r, struct err *e)
{
	long long channel;
	const char *reason;
	json_t *v = NULL;
	int rc = pause_args(r, &channel, &reason, e);
	if (!rc && reason)
		rc = err_set(e, ERR_INVALID, "field.unknown", "$.reason", "resume takes only channel_id");
	if (!rc)
		rc = publishing_resume(r->st, &r->actor, req_ws(r), channel, &v, e);
	if (!rc)
		jobs_wake();
	return answer(r, 200, rc, NULL, v);
}
