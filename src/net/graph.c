/* graph: the Graph-style API calls Facebook Pages, Instagram and Threads
 * share (see graph.h). Errors come as {"error": {message, type, code,
 * error_subcode, is_transient}}: code 190 (or HTTP 401) means the token is
 * dead; 4, 17, 32, 613 and 80001-80014 are throttling, with the wait in
 * the usage headers (X-App-Usage per app, X-Business-Use-Case-Usage per
 * Page / Instagram account: percentages, and
 * estimated_time_to_regain_access in minutes); 1, 2 and is_transient are
 * worth another try; anything else is the network refusing the post. */
#include "net/graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/time.h"
#include "net/http_client.h"
#include "net/netutil.h"

/* Every limit and constant in one place. */
static const struct {
	long timeout_ms;	     /* one call */
	size_t max_response;	     /* bytes of one answer */
	int64_t max_wait_ms;	     /* a longer throttling wait is capped */
	int64_t default_throttle_ms; /* throttled without an estimate */
	int polls;		     /* status reads of a container before giving up for now */
	long poll_ms;		     /* between two reads */
	int64_t pending_retry_ms;    /* a container still processing: try again after */
	size_t max_progress;	     /* posts whose progress the state keeps */
	size_t usage_header;	     /* bytes of a usage header read */
} GRAPH = {
    .timeout_ms = 15000,
    .max_response = 512 * 1024,
    .max_wait_ms = 6 * 3600LL * 1000,
    .default_throttle_ms = 60 * 1000,
    .polls = 8,
    .poll_ms = 400,
    .pending_retry_ms = 30 * 1000,
    .max_progress = 64,
    .usage_header = 4096,
};

void graph_ok(struct net_result *r, const char *id, const char *url)
{
	r->outcome = NET_OK;
	r->code[0] = r->message[0] = '\0';
	str_copy(r->remote_id, id, sizeof r->remote_id);
	if (url && strlen(url) < sizeof r->remote_url && str_starts(url, "https://"))
		str_copy(r->remote_url, url, sizeof r->remote_url);
}

int graph_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	return n >= 1 && n <= 64 && strspn(id, "0123456789_") == n;
}

int64_t graph_time(const char *s)
{
	/* Graph writes "+0000"; RFC 3339 wants "+00:00". */
	char t[40];
	int64_t ms;
	if (!s || strlen(s) >= sizeof t - 2)
		return -1;
	str_copy(t, s, sizeof t);
	size_t n = strlen(t);
	if (n == 24 && (t[19] == '+' || t[19] == '-') && strspn(t + 20, "0123456789") == 4) {
		t[25] = '\0';
		t[24] = t[23];
		t[23] = t[22];
		t[22] = ':';
	}
	return time_parse_rfc3339(t, &ms) == 0 ? ms : -1;
}

int graph_init(struct graph *g, const char *name, const struct net_account *a, const char *default_base,
	       struct net_result *r)
{
	memset(g, 0, sizeof *g);
	g->name = name;
	json_t *t = json_is_object(a->secrets) ? json_object_get(a->secrets, "access_token") : NULL;
	g->token = json_is_string(t) ? json_string_value(t) : NULL;
	g->base = a->base_url && *a->base_url ? a->base_url : default_base;
	if (!g->token || !*g->token) {
		net_set(r, NET_AUTH, "graph.not_configured", "the %s channel has no access token: connect it again",
			  name);
		return -1;
	}
	g->base_len = strlen(g->base);
	while (g->base_len && g->base[g->base_len - 1] == '/')
		g->base_len--;
	return 0;
}

/* application/x-www-form-urlencoded: unreserved characters as they are,
 * everything else %XX. */
static void form_add(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		    *c == '_' || *c == '.' || *c == '~') {
			buf_add(b, c, 1);
		} else {
			char e[3] = {'%', hex[*c >> 4], hex[*c & 15]};
			buf_add(b, e, 3);
		}
	}
}

static void form_encode(json_t *form, struct buf *b)
{
	const char *k;
	json_t *v;
	json_object_foreach(form, k, v)
	{
		char num[32];
		const char *s = NULL;
		if (json_is_string(v))
			s = json_string_value(v);
		else if (json_is_integer(v))
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)), s = num;
		else if (json_is_boolean(v))
			s = json_is_true(v) ? "true" : "false";
		if (!s)
			continue;
		if (b->len)
			buf_adds(b, "&");
		form_add(b, k);
		buf_adds(b, "=");
		form_add(b, s);
	}
}

/* Printable ASCII of the error's message, with any secret replaced. */
static void reason_of(const struct graph *g, const char *m, char *out, size_t size)
{
	const char *secrets[2] = {g->token, g->other};
	net_clean_message(m, secrets, 2, out, size);
}

static int64_t max_pct(json_t *o)
{
	static const char *const keys[] = {"call_count", "total_cputime", "total_time", "acc_id_util_pct"};
	int64_t m = -1;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		int64_t n = json_is_integer(v) ? json_integer_value(v)
			    : json_is_real(v)  ? (int64_t)json_real_value(v)
					       : -1;
		if (n > m)
			m = n;
	}
	return m;
}

static void fill_rate(struct net_rate *out, int64_t pct, int64_t regain_ms)
{
	if (pct < 0)
		return;
	out->known = 1;
	out->limit = 100; /* the headers speak in percent of the allowance */
	out->remaining = pct >= 100 ? 0 : 100 - pct;
	out->reset_at_ms = regain_ms > 0 ? time_now_ms() + regain_ms : -1;
}

/* The rate windows of an answer's usage headers; returns the longest
 * estimated_time_to_regain_access in ms (0 when none). */
static int64_t usage(const struct http_response *rs, struct net_result *r)
{
	char *v = xmalloc(GRAPH.usage_header);
	int64_t regain = 0;
	if (http_response_header(rs, "x-business-use-case-usage", v, GRAPH.usage_header)) {
		json_t *j = json_loads(v, 0, NULL);
		int64_t pct = -1;
		const char *k;
		json_t *arr, *o;
		size_t i;
		json_object_foreach(json_is_object(j) ? j : NULL, k, arr)
		{
			json_array_foreach(arr, i, o)
			{
				int64_t p = max_pct(o);
				json_t *eta = json_object_get(o, "estimated_time_to_regain_access");
				if (p > pct)
					pct = p;
				if (json_is_integer(eta) && json_integer_value(eta) * 60000 > regain)
					regain = json_integer_value(eta) * 60000;
			}
		}
		fill_rate(&r->rate[NET_RATE_ACCOUNT], pct, regain);
		json_decref(j);
	}
	if (http_response_header(rs, "x-app-usage", v, GRAPH.usage_header)) {
		json_t *j = json_loads(v, 0, NULL);
		if (json_is_object(j))
			fill_rate(&r->rate[NET_RATE_APP], max_pct(j), 0);
		json_decref(j);
	}
	free(v);
	return regain < GRAPH.max_wait_ms ? regain : GRAPH.max_wait_ms;
}

static int throttling(long code)
{
	return code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80001 && code <= 80014);
}

/* What an error answer means. */
static enum net_outcome classify(const struct graph *g, const struct http_response *rs, json_t *j, int64_t regain,
				 struct net_result *r)
{
	json_t *err = json_object_get(j, "error");
	const char *msg = net_jstr(err, "message");
	json_t *cv = json_object_get(err, "code");
	long code = json_is_integer(cv) ? (long)json_integer_value(cv) : 0;
	char why[256];
	reason_of(g, msg ? msg : (!j && rs->body.len < 200 ? buf_cstr(&rs->body) : ""), why, sizeof why);
	const char *sep = why[0] ? ": " : "";
	if (code == 190 || (rs->status == 401 && !throttling(code))) {
		net_set(r, NET_AUTH, "graph.auth",
			  "%s refused the access token (code %ld)%s%s: connect the channel again", g->name, code, sep,
			  why);
		return NET_AUTH;
	}
	if (code == 10 || (code >= 200 && code <= 299)) {
		net_set(r, NET_AUTH, "graph.permission",
			  "%s: the app lacks a permission (code %ld)%s%s: connect the channel again and grant it",
			  g->name, code, sep, why);
		return NET_AUTH;
	}
	if (throttling(code) || rs->status == 429) {
		net_set(r, NET_RETRY, "graph.rate_limited", "%s asks to slow down (code %ld)%s%s", g->name, code, sep,
			  why);
		r->retry_after_ms = regain > 0 ? regain : rs->retry_after_ms > 0 ? rs->retry_after_ms : 0;
		return NET_RETRY;
	}
	if (code == 1 || code == 2 || json_is_true(json_object_get(err, "is_transient")) || rs->status >= 500 ||
	    rs->status == 408) {
		net_set(r, NET_RETRY, "graph.unavailable", "%s answered HTTP %ld (code %ld)%s%s", g->name, rs->status,
			  code, sep, why);
		r->retry_after_ms = rs->retry_after_ms;
		return NET_RETRY;
	}
	if (code == 368) {
		net_set(r, NET_FAIL, "graph.blocked", "%s has blocked this action for now (code 368)%s%s", g->name,
			  sep, why);
		return NET_FAIL;
	}
	net_set(r, NET_FAIL, "graph.rejected", "%s refused the request (HTTP %ld, code %ld)%s%s", g->name, rs->status,
		  code, sep, why);
	return NET_FAIL;
}

enum net_outcome graph_call(const struct graph *g, const char *method, const char *path, json_t *form, int mutating,
			    json_t **out, struct net_result *r)
{
	*out = NULL;
	struct buf body = BUF_INIT(0);
	if (form)
		form_encode(form, &body);
	static const char *const accept[] = {"Accept: application/json", NULL};
	struct net_bearer_req q = {
	    .method = method,
	    .base = g->base,
	    .base_len = g->base_len,
	    .path = path,
	    .token = g->token,
	    .headers = accept,
	    .ctype = form ? "application/x-www-form-urlencoded" : NULL,
	    .body = form ? buf_cstr(&body) : NULL,
	    .body_len = form ? body.len : 0,
	    .timeout_ms = GRAPH.timeout_ms,
	    .max_response = GRAPH.max_response,
	};
	struct http_response rs;
	net_bearer_do(&q, &rs);
	buf_free(&body);

	r->http_status = (int)rs.status;
	r->retry_after_ms = 0;
	enum net_outcome o = NET_OK;
	int64_t regain = usage(&rs, r);
	json_t *j = rs.body.len ? json_loadb(rs.body.ptr, rs.body.len, 0, NULL) : NULL;
	if (rs.status >= 200 && rs.status < 300) {
		if (json_is_object(j)) {
			*out = j;
			j = NULL;
		} else {
			o = mutating ? NET_UNKNOWN : NET_RETRY;
			net_set(r, o, "graph.bad_answer", "%s answered HTTP %ld without a JSON object", g->name,
				  rs.status);
		}
	} else if (rs.status > 0) {
		o = classify(g, &rs, j, regain, r);
	} else if (rs.error == HTTPC_BLOCKED) {
		o = NET_FAIL;
		net_set(r, o, "net.blocked", "%s", rs.message);
	} else if (rs.sent && mutating) {
		o = NET_UNKNOWN;
		net_set(r, o, rs.error == HTTPC_TIMEOUT ? "graph.timeout" : "graph.no_answer",
			  "%s: %s may have acted on the request", rs.message, g->name);
	} else {
		o = NET_RETRY;
		net_set(r, o, "graph.unreachable", "%s", rs.message);
	}
	json_decref(j);
	http_response_free(&rs);
	return o;
}

enum net_outcome graph_wait_container(const struct graph *g, const char *id, const char *field, int *gone,
				      int *published, struct net_result *r)
{
	*gone = *published = 0;
	char path[160];
	snprintf(path, sizeof path, "/%s?fields=%s", id, field);
	for (int i = 0; i < GRAPH.polls; i++) {
		json_t *c = NULL;
		enum net_outcome o = graph_call(g, "GET", path, NULL, 0, &c, r);
		if (o != NET_OK)
			return o;
		const char *s = net_jstr(c, field);
		char st[24];
		str_copy(st, s ? s : "", sizeof st);
		char why[200];
		reason_of(g, net_jstr(c, "error_message"), why, sizeof why);
		json_decref(c);
		if (strcmp(st, "FINISHED") == 0)
			return NET_OK;
		if (strcmp(st, "PUBLISHED") == 0) {
			*published = 1;
			return NET_OK;
		}
		if (strcmp(st, "EXPIRED") == 0) {
			*gone = 1;
			net_set(r, NET_RETRY, "graph.container_expired", "the %s media container expired", g->name);
			return NET_RETRY;
		}
		if (strcmp(st, "ERROR") == 0) {
			net_set(r, NET_FAIL, "graph.container_failed", "%s could not process the media%s%s", g->name,
				  why[0] ? ": " : "", why);
			return NET_FAIL;
		}
		struct timespec ts = {GRAPH.poll_ms / 1000, (GRAPH.poll_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	net_set(r, NET_RETRY, "graph.container_pending", "%s is still processing the media", g->name);
	r->retry_after_ms = GRAPH.pending_retry_ms;
	return NET_RETRY;
}

json_t *graph_progress(struct net_account *a, const char *key)
{
	/* kept until the newest few push it out: a post is long done then */
	return net_progress(a, "posts", key, 1, GRAPH.max_progress, INT64_MAX);
}

void graph_note(struct net_account *a, json_t *prog, const char *k, const char *v)
{
	json_object_set_new(prog, k, json_string(v));
	a->state_changed = 1;
	net_checkpoint(a); /* a container or post made is on disk before the next call */
}
