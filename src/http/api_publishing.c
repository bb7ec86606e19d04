/* api_publishing: channel accounts, publications with their attempts, what
 * people decide about them (retry, mark published, cancel), the crisis
 * pause and the grace window. */
#include <string.h>

#include "base/json.h"
#include "core/content.h"
#include "core/publish.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "net/connector.h"

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

/* The limit keys a network's report may set on the channel. */
static const char *const reported_keys[] = {"max_chars", "url_weight", "max_media", "max_image_bytes"};

/* Ask the connector for the account's limits and keep the ones the text
 * engine and the composer use in the channel's limits (replacing what was
 * set there by hand for those keys). Answers {channel, reported}. */
int api_channel_limits_refresh(struct req *r, struct err *e)
{
	json_t *ch = NULL, *secrets = NULL, *state = NULL, *lim = NULL, *v = NULL;
	int64_t ws = req_ws(r), id = r->params[1];
	int rc = channel_get(r->st, ws, id, &ch, e);
	if (rc)
		return rc;
	const char *network = json_string_value(json_object_get(ch, "network"));
	const struct connector *conn = connector_for(network);
	if (!conn || !conn->limits) {
		rc = err_set(e, ERR_CONFLICT, "channel.limits_unsupported", "",
			     "this network does not report its limits: set them by hand");
		goto done;
	}
	if ((rc = account_load(r->st, ws, id, &secrets, &state, e)))
		goto done;
	/* the account as the worker hands it to a connector */
	json_t *inner = json_object_get(secrets, "secrets");
	struct net_account acct = {
	    .network = network,
	    .base_url = json_string_value(json_object_get(secrets, "base_url")),
	    .handle = json_string_value(json_object_get(secrets, "handle")),
	    .secrets = json_is_object(inner) ? inner : secrets,
	    .state = state,
	};
	struct net_result nr;
	memset(&nr, 0, sizeof nr);
	if (conn->limits(&acct, &lim, &nr) != 0 || !json_is_object(lim)) {
		if (nr.outcome == NET_AUTH)
			account_needs_reconnect(r->st, ws, id, NULL);
		rc = err_set(e, ERR_UPSTREAM, "channel.limits_refresh_failed", "",
			     "the network did not say its limits: %s", nr.message[0] ? nr.message : "no answer");
		goto done;
	}
	json_t *merged = json_deep_copy(json_object_get(ch, "limits"));
	if (!json_is_object(merged)) {
		json_decref(merged);
		merged = json_object();
	}
	for (size_t i = 0; i < sizeof reported_keys / sizeof reported_keys[0]; i++) {
		json_t *x = json_object_get(lim, reported_keys[i]);
		if (json_is_integer(x))
			json_object_set(merged, reported_keys[i], x);
	}
	json_t *fields = json_pack("{so}", "limits", merged);
	rc = channel_update(r->st, &r->actor, ws, id, fields, &v, e);
	json_decref(fields);
	if (!rc)
		resp_json(r, 200, json_pack("{so sO}", "channel", v, "reported", lim));
done:
	json_decref(ch);
	json_decref(secrets);
	json_decref(state);
	json_decref(lim);
	return rc;
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
