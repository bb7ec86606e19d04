/* api_oauth: connecting a channel through its network's authorization page
 * (start, the browser's return) and refreshing its tokens on demand. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "core/content.h"
#include "core/publish.h"
#include "http/http.h"

int api_channel_oauth_start(struct req *r, struct err *e)
{
	/* The network sends the browser back to /oauth/callback, which must
	 * find the same session: an API token has none. */
	if (!r->by_cookie)
		return err_set(e, ERR_INVALID, "oauth.session_required", "",
			       "connecting by OAuth needs a signed-in browser session, not an API token");
	int rc = r->body.len ? req_json(r, e) : 0;
	json_t *v = NULL;
	if (!rc)
		rc = oauth_start(r->st, &r->actor, r->session.id, req_ws(r), r->params[1], r->cfg->public_url, r->json,
				 &v, e);
	if (rc)
		return rc;
	resp_json(r, 200, v);
	return 0;
}

/* Back to the workspace's channels page (the UI's #/ws/<ws>/channels),
 * with what happened in its query. */
static void back(struct req *r, int64_t ws, const char *what, const char *value)
{
	char loc[700];
	const char *base = r->cfg->public_url ? r->cfg->public_url : "";
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	snprintf(loc, sizeof loc, "%.*s/#/ws/%lld/channels?%s=%s", (int)n, base, (long long)ws, what, value);
	resp_header(r, "Location", loc);
	resp_empty(r, 303);
}

int api_oauth_callback(struct req *r, struct err *e)
{
	int64_t ws = 0, channel = 0;
	int rc = oauth_finish(r->st, &r->actor, r->session.id, r->cfg->public_url, req_query(r, "state"),
			      req_query(r, "code"), req_query(r, "error"), &ws, &channel, e);
	if (rc && strcmp(e->key, "oauth.state_invalid") == 0 && !channel)
		return rc; /* nothing to go back to: possibly a forged request */
	if (rc) {
		log_warn("oauth: channel %lld not connected: %s: %s", (long long)channel, e->key, e->msg);
		back(r, ws, "oauth_error", e->key);
		return 0;
	}
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)channel);
	back(r, ws, "connected", id);
	return 0;
}

int api_channel_oauth_refresh(struct req *r, struct err *e)
{
	json_t *sealed = NULL, *state = NULL, *ch = NULL;
	int rc = channel_get(r->st, req_ws(r), r->params[1], &ch, e);
	if (rc || (rc = account_load(r->st, req_ws(r), r->params[1], &sealed, &state, e))) {
		json_decref(ch);
		return rc;
	}
	json_decref(state);
	char owner[64];
	snprintf(owner, sizeof owner, "api:%s", r->request_id);
	struct net_result nr;
	rc = oauth_fresh_tokens(r->st, req_ws(r), r->params[1], json_string_value(json_object_get(ch, "network")), 1,
				owner, &sealed, &nr, e);
	json_decref(sealed);
	json_decref(ch);
	if (rc > 0)
		return err_set(e, nr.outcome == NET_RETRY ? ERR_UNAVAILABLE : ERR_CONFLICT, nr.code, "", "%s",
			       nr.message);
	if (rc)
		return rc;
	json_t *v = NULL;
	if ((rc = channel_get(r->st, req_ws(r), r->params[1], &v, e)))
		return rc;
	resp_json(r, 200, json_pack("{so}", "channel", v));
	return 0;
}
