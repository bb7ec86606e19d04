/* mastodon: publish a status (and its thread, as replies) to the account's
 * instance, exactly once: every POST /api/v1/statuses carries an
 * Idempotency-Key derived from the variant's stable key (part i > 0:
 * key + "/i"), which the instance remembers for about an hour and answers
 * with the status it already made. A retry, and the reconciliation after
 * a call whose outcome is unknown, re-POST with the same keys while that
 * window is open; after it, the outcome stays unknown (a person decides).
 * Credentials: secrets.access_token (scope write:statuses); base_url is the
 * instance. Media are not uploaded yet: a post with media is refused with
 * mastodon.media_unsupported. See ../shared/NETWORKS.md. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "net/connector.h"
#include "net/http_client.h"

/* Every limit and constant in one place. */
static const struct {
	size_t max_parts;	   /* a thread longer than this is refused */
	long timeout_ms;	   /* one call */
	size_t max_response;	   /* bytes of one answer */
	int64_t key_window_ms;	   /* how long after the due time a re-POST with the same key is trusted */
	int64_t max_retry_after_ms; /* a longer reset is capped */
} MASTO = {
    .max_parts = 50,
    .timeout_ms = 15000,
    .max_response = 256 * 1024,
    .key_window_ms = 50LL * 60 * 1000, /* the instance keeps keys ~1 h from the first attempt */
    .max_retry_after_ms = 3600LL * 1000,
};

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void set(struct net_result *r, enum net_outcome o, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void set(struct net_result *r, enum net_outcome o, const char *code, const char *fmt, ...)
{
	va_list ap;
	r->outcome = o;
	str_copy(r->code, code, sizeof r->code);
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
}

/* Printable ASCII of the instance's {"error": ...}, with the token (if the
 * instance ever echoed it) replaced. */
static void reason_of(const char *token, json_t *j, const struct http_response *rs, char *out, size_t size)
{
	const char *m = jstr(j, "error");
	if (!m && !j)
		m = rs->body.len < 200 ? buf_cstr(&rs->body) : NULL;
	struct buf b = BUF_INIT(1024);
	size_t tl = token ? strlen(token) : 0;
	for (const char *c = m; c && *c && b.len < 200;) {
		if (tl >= 4 && strncmp(c, token, tl) == 0) {
			buf_adds(&b, "[redacted]");
			c += tl;
			continue;
		}
		char ch = (*c >= 0x20 && *c < 0x7f) ? *c : ' ';
		buf_add(&b, &ch, 1);
		c++;
	}
	str_copy(out, buf_cstr(&b), size);
	buf_free(&b);
}

/* The delay a 429 asks for: X-RateLimit-Reset (ISO 8601), else
 * Retry-After. */
static int64_t rate_limit_wait(const struct http_response *rs)
{
	char v[80];
	int64_t at;
	if (http_response_header(rs, "x-ratelimit-reset", v, sizeof v) && time_parse_rfc3339(v, &at) == 0) {
		int64_t d = at - time_now_ms();
		if (d < 0)
			d = 0;
		return d < MASTO.max_retry_after_ms ? d : MASTO.max_retry_after_ms;
	}
	return rs->retry_after_ms;
}

struct masto {
	const char *base;  /* without a trailing '/' */
	size_t base_len;
	const char *token;
};

/* One call. body: JSON or NULL. ikey: the Idempotency-Key or NULL.
 * mutating: a failure after the request was sent leaves us not knowing.
 * Returns NET_OK with *out (the parsed answer) on 2xx, else fills r. */
static enum net_outcome call(const struct masto *m, const char *method, const char *path, json_t *body,
			     const char *ikey, int mutating, json_t **out, struct net_result *r)
{
	*out = NULL;
	struct buf url = BUF_INIT(0), auth = BUF_INIT(0), key = BUF_INIT(0);
	buf_add(&url, m->base, m->base_len);
	buf_adds(&url, path);
	buf_addf(&auth, "Authorization: Bearer %s", m->token);
	const char *headers[5];
	size_t nh = 0;
	headers[nh++] = "Accept: application/json";
	headers[nh++] = buf_cstr(&auth);
	if (body)
		headers[nh++] = "Content-Type: application/json";
	if (ikey) {
		buf_addf(&key, "Idempotency-Key: %s", ikey);
		headers[nh++] = buf_cstr(&key);
	}
	headers[nh] = NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct http_request rq = {
	    .method = method,
	    .url = buf_cstr(&url),
	    .headers = headers,
	    .body = text,
	    .body_len = text ? strlen(text) : 0,
	    .timeout_ms = MASTO.timeout_ms,
	    .max_response = MASTO.max_response,
	};
	struct http_response rs;
	http_client_do(&rq, &rs);
	free(text);
	if (auth.ptr)
		memset(auth.ptr, 0, auth.len); /* the bearer header is wiped before the memory goes back */
	buf_free(&auth);
	buf_free(&key);
	buf_free(&url);

	r->http_status = (int)rs.status;
	r->retry_after_ms = 0;
	net_rate_from_headers(&rs, "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", NET_RESET_RFC3339,
			      &r->rate[NET_RATE_ACCOUNT]);
	enum net_outcome o = NET_OK;
	json_t *j = rs.body.len ? json_loadb(rs.body.ptr, rs.body.len, 0, NULL) : NULL;
	char why[256];
	if (rs.status >= 200 && rs.status < 300) {
		if (json_is_object(j)) {
			*out = j;
			j = NULL;
		} else {
			o = NET_RETRY;
			set(r, o, "mastodon.bad_answer", "%s answered HTTP %ld without a JSON object", path, rs.status);
		}
	} else if (rs.status > 0) {
		reason_of(m->token, j, &rs, why, sizeof why);
		const char *sep = why[0] ? ": " : "";
		if (rs.status == 429) {
			o = NET_RETRY;
			set(r, o, "mastodon.rate_limited", "the instance asks to slow down (HTTP 429)%s%s", sep, why);
			r->retry_after_ms = rate_limit_wait(&rs);
		} else if (rs.status == 401 || rs.status == 403) {
			o = NET_AUTH;
			set(r, o, "mastodon.auth", "the instance refused the access token (HTTP %ld)%s%s: connect the channel again",
			    rs.status, sep, why);
		} else if (rs.status >= 500 || rs.status == 408) {
			o = NET_RETRY;
			set(r, o, "mastodon.unavailable", "the instance answered HTTP %ld%s%s", rs.status, sep, why);
			r->retry_after_ms = rs.retry_after_ms;
		} else {
			o = NET_FAIL;
			set(r, o, "mastodon.rejected", "the instance refused the post (HTTP %ld)%s%s", rs.status, sep, why);
		}
	} else if (rs.error == HTTPC_BLOCKED) {
		o = NET_FAIL;
		set(r, o, "net.blocked", "%s", rs.message);
	} else if (rs.sent && mutating) {
		o = NET_UNKNOWN;
		set(r, o, rs.error == HTTPC_TIMEOUT ? "mastodon.timeout" : "mastodon.no_answer",
		    "%s: the instance may have made the status", rs.message);
	} else {
		o = NET_RETRY;
		set(r, o, "mastodon.unreachable", "%s", rs.message);
	}
	json_decref(j);
	http_response_free(&rs);
	return o;
}

static int ctx_init(struct masto *m, const struct net_account *a, struct net_result *r)
{
	m->token = jstr(a->secrets, "access_token");
	m->base = a->base_url;
	if (!m->token || !*m->token || !m->base || !*m->base) {
		set(r, NET_AUTH, "mastodon.not_configured",
		    "the channel has no instance address or access token: connect it again");
		return -1;
	}
	m->base_len = strlen(m->base);
	while (m->base_len && m->base[m->base_len - 1] == '/')
		m->base_len--;
	return 0;
}

struct part {
	const char *text;
	char key[320];
};

/* The parts of a post: the post, its thread, its first comment (a reply
 * to the post). Returns how many, or 0 with r filled. */
static size_t collect(const struct net_post *p, struct part *parts, size_t max, struct net_result *r)
{
	if (!p->idempotency_key || !*p->idempotency_key) {
		set(r, NET_FAIL, "mastodon.no_key", "a Mastodon post needs an idempotency key");
		return 0;
	}
	if (json_is_array(p->media) && json_array_size(p->media) > 0) {
		set(r, NET_FAIL, "mastodon.media_unsupported", "kanal cannot post images to Mastodon yet");
		return 0;
	}
	size_t n = 0;
	parts[n++].text = p->text ? p->text : "";
	size_t i;
	json_t *t;
	json_array_foreach(json_is_array(p->thread) ? p->thread : NULL, i, t)
	{
		const char *text = json_is_string(t) ? json_string_value(t) : jstr(t, "text");
		if (n + 1 >= max) {
			set(r, NET_FAIL, "mastodon.thread_too_long", "the thread has more than %zu parts", max - 1);
			return 0;
		}
		if (json_is_object(t) && json_array_size(json_object_get(t, "media")) > 0) {
			set(r, NET_FAIL, "mastodon.media_unsupported", "kanal cannot post images to Mastodon yet");
			return 0;
		}
		if (!text) {
			set(r, NET_FAIL, "mastodon.invalid_thread", "a part of the thread has no text");
			return 0;
		}
		parts[n++].text = text;
	}
	for (size_t k = 0; k < n; k++) {
		if (k == 0)
			snprintf(parts[k].key, sizeof parts[k].key, "%s", p->idempotency_key);
		else
			snprintf(parts[k].key, sizeof parts[k].key, "%s/%zu", p->idempotency_key, k);
	}
	if (p->first_comment && *p->first_comment) {
		parts[n].text = p->first_comment;
		snprintf(parts[n].key, sizeof parts[n].key, "%s/comment", p->idempotency_key);
		n++;
	}
	return n;
}

static int publish(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct masto m;
	if (ctx_init(&m, a, r) != 0)
		return r->outcome;
	struct part *parts = xcalloc(MASTO.max_parts + 2, sizeof *parts);
	size_t n = collect(p, parts, MASTO.max_parts + 1, r);
	if (n == 0) {
		free(parts);
		return r->outcome;
	}
	char first_id[256] = "", prev_id[256] = "";
	size_t nthread = n - (p->first_comment && *p->first_comment ? 1 : 0);
	enum net_outcome o = NET_OK;
	for (size_t i = 0; i < n && o == NET_OK; i++) {
		json_t *body = json_pack("{s:s, s:s}", "status", parts[i].text, "visibility", "public");
		if (i == 0 && p->link && *p->link && !strstr(parts[i].text, p->link)) {
			/* a link not in the text goes after it (the instance makes the card) */
			struct buf t = BUF_INIT(0);
			buf_addf(&t, "%s%s%s", parts[i].text, *parts[i].text ? "\n\n" : "", p->link);
			json_object_set_new(body, "status", json_string(buf_cstr(&t)));
			buf_free(&t);
		}
		if (p->lang && *p->lang)
			json_object_set_new(body, "language", json_string(p->lang));
		if (i > 0)
			json_object_set_new(body, "in_reply_to_id", json_string(i < nthread ? prev_id : first_id));
		json_t *st = NULL;
		o = call(&m, "POST", "/api/v1/statuses", body, parts[i].key, 1, &st, r);
		json_decref(body);
		if (o != NET_OK)
			break;
		const char *id = jstr(st, "id"), *url = jstr(st, "url");
		if (!id || !*id || strlen(id) >= sizeof prev_id) {
			json_decref(st);
			o = NET_UNKNOWN;
			set(r, o, "mastodon.bad_answer", "the instance answered a status without an id");
			break;
		}
		str_copy(prev_id, id, sizeof prev_id);
		if (i == 0) {
			str_copy(first_id, id, sizeof first_id);
			str_copy(r->remote_id, id, sizeof r->remote_id);
			if (url && strlen(url) < sizeof r->remote_url &&
			    (str_starts(url, "https://") || str_starts(url, "http://")))
				str_copy(r->remote_url, url, sizeof r->remote_url);
		}
		json_decref(st);
	}
	free(parts);
	if (o == NET_OK) {
		r->outcome = NET_OK;
		r->code[0] = r->message[0] = '\0';
	}
	return o;
}

/* The instance remembers each Idempotency-Key for about an hour: within
 * that window a POST with the same keys answers the statuses an earlier
 * attempt made (and makes those it did not). After it, nothing can be
 * told without risking a duplicate. */
static int find_published(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	if (p->created_at_ms > 0 && time_now_ms() - p->created_at_ms > MASTO.key_window_ms) {
		set(r, NET_UNKNOWN, "mastodon.unconfirmed",
		    "the instance no longer remembers the attempt: check the account, then retry or mark as published");
		return -1;
	}
	enum net_outcome o = (enum net_outcome)publish(a, p, r);
	if (o == NET_OK)
		return 1;
	if (o == NET_RETRY)
		return 0; /* nothing is lost by trying again with the same keys */
	return -1;
}

static int remove_status(struct net_account *a, const char *remote_id, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct masto m;
	if (ctx_init(&m, a, r) != 0)
		return r->outcome;
	if (!remote_id || !*remote_id || strspn(remote_id, "0123456789") != strlen(remote_id) || strlen(remote_id) > 40) {
		set(r, NET_FAIL, "mastodon.invalid_id", "not a status id");
		return r->outcome;
	}
	char path[80];
	snprintf(path, sizeof path, "/api/v1/statuses/%s", remote_id);
	json_t *st = NULL;
	enum net_outcome o = call(&m, "DELETE", path, NULL, NULL, 1, &st, r);
	json_decref(st);
	if (o == NET_OK) {
		r->outcome = NET_OK;
		r->code[0] = r->message[0] = '\0';
		str_copy(r->remote_id, remote_id, sizeof r->remote_id);
	}
	return o;
}

const struct connector conn_mastodon = {
    .network = "mastodon",
    .publish = publish,
    .find_published = find_published,
    .remove = remove_status,
};
