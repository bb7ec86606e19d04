/* webhook: POST each post as signed JSON to the channel's URL (n8n,
 * Zapier, Make, your own endpoint). Headers: X-Kanal-Signature: sha256=<hex
 * HMAC-SHA256(secret, raw body)>, X-Kanal-Idempotency-Key (the same on
 * every attempt for one variant and occurrence), X-Kanal-Event. The body
 * is the same bytes on every attempt. A 2xx answer may carry {"id", "url"}
 * of what the receiver made. Any answer may carry the receiver's rate
 * limits: RateLimit-Limit/-Remaining/-Reset (IETF, reset in seconds from
 * now) or X-RateLimit-* for this channel's URL, and
 * X-Kanal-App-RateLimit-* for everything kanal sends to that host. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "net/connector.h"
#include "net/http_client.h"

#define WEBHOOK_MAX_RESPONSE (64 * 1024)

static char *payload(const struct net_post *p)
{
	char when[40];
	time_fmt_rfc3339(p->created_at_ms, when, sizeof when);
	json_t *o = json_pack("{ss ss ss ss}", "event", "post.publish", "idempotency_key",
			      p->idempotency_key ? p->idempotency_key : "", "scheduled_at", when, "text",
			      p->text ? p->text : "");
	if (p->thread && json_array_size(p->thread))
		json_object_set(o, "thread", p->thread);
	if (p->link)
		json_object_set_new(o, "link", json_string(p->link));
	if (p->first_comment)
		json_object_set_new(o, "first_comment", json_string(p->first_comment));
	if (p->media && json_array_size(p->media))
		json_object_set(o, "media", p->media);
	if (p->lang)
		json_object_set_new(o, "lang", json_string(p->lang));
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* Printable ASCII of the answer's error, for people (never a header). */
static void reason_of(const struct http_response *rs, char *out, size_t size)
{
	out[0] = '\0';
	json_t *j = rs->body.len ? json_loadb(rs->body.ptr, rs->body.len, 0, NULL) : NULL;
	const char *m = NULL;
	if (json_is_object(j)) {
		m = json_string_value(json_object_get(j, "error"));
		if (!m)
			m = json_string_value(json_object_get(j, "message"));
	}
	if (!m && !j)
		m = buf_cstr(&rs->body);
	size_t k = 0;
	for (const char *c = m; c && *c && k + 1 < size && k < 200; c++)
		out[k++] = (*c >= 0x20 && *c < 0x7f) ? *c : ' ';
	out[k] = '\0';
	json_decref(j);
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

/* A reset this large is an instant (epoch seconds, as GitHub writes
 * X-RateLimit-Reset), not seconds from now. */
#define WEBHOOK_EPOCH_RESET_S 1000000000LL

static void rate_pair(const struct http_response *rs, const char *prefix, struct net_rate *out)
{
	char l[64], rem[64], res[64];
	snprintf(l, sizeof l, "%sLimit", prefix);
	snprintf(rem, sizeof rem, "%sRemaining", prefix);
	snprintf(res, sizeof res, "%sReset", prefix);
	int64_t now = time_now_ms();
	net_rate_from_headers(rs, l, rem, res, NET_RESET_DELTA_S, out);
	if (out->known && out->reset_at_ms - now >= WEBHOOK_EPOCH_RESET_S * 1000)
		out->reset_at_ms -= now;
}

/* The receiver's windows: its own for this URL (the account), and the
 * host's across every channel (the app). */
static void rate_headers(const struct http_response *rs, struct net_result *r)
{
	rate_pair(rs, "RateLimit-", &r->rate[NET_RATE_ACCOUNT]);
	if (!r->rate[NET_RATE_ACCOUNT].known)
		rate_pair(rs, "X-RateLimit-", &r->rate[NET_RATE_ACCOUNT]);
	rate_pair(rs, "X-Kanal-App-RateLimit-", &r->rate[NET_RATE_APP]);
}

/* POST the post; reconcile adds X-Kanal-Reconcile: 1. */
static int deliver(struct net_account *a, const struct net_post *p, int reconcile, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	const char *secret = json_string_value(json_object_get(a->secrets, "secret"));
	const char *url = json_string_value(json_object_get(a->secrets, "url"));
	if (!url)
		url = a->base_url;
	if (!secret || !url) {
		set(r, NET_AUTH, "webhook.not_configured", "the webhook has no URL or secret: connect it again");
		return 0;
	}
	long timeout = (long)json_integer_value(json_object_get(a->secrets, "timeout_ms"));
	if (timeout <= 0)
		timeout = 15000;
	char *body = payload(p);
	char sig[65], h_sig[112], h_key[320];
	crypto_hmac_hex(secret, strlen(secret), body, strlen(body), sig);
	snprintf(h_sig, sizeof h_sig, "X-Kanal-Signature: sha256=%s", sig);
	snprintf(h_key, sizeof h_key, "X-Kanal-Idempotency-Key: %s", p->idempotency_key ? p->idempotency_key : "");
	const char *headers[] = {"Content-Type: application/json", "X-Kanal-Event: post.publish", h_sig, h_key,
				 reconcile ? "X-Kanal-Reconcile: 1" : NULL, NULL};
	struct http_request rq = {
		.method = "POST",
		.url = url,
		.headers = headers,
		.body = body,
		.body_len = strlen(body),
		.timeout_ms = timeout,
		.connect_timeout_ms = timeout < 5000 ? timeout : 5000,
		.max_response = WEBHOOK_MAX_RESPONSE,
	};
	struct http_response rs;
	http_client_do(&rq, &rs);
	free(body);
	r->http_status = (int)rs.status;
	r->retry_after_ms = rs.retry_after_ms;
	rate_headers(&rs, r);
	char why[256];
	if (rs.status >= 200 && rs.status < 300) {
		json_t *j = json_loadb(rs.body.ptr ? rs.body.ptr : "", rs.body.len, 0, NULL);
		json_t *id = json_object_get(j, "id");
		const char *u = json_string_value(json_object_get(j, "url"));
		if (json_is_string(id))
			str_copy(r->remote_id, json_string_value(id), sizeof r->remote_id);
		else if (json_is_integer(id))
			snprintf(r->remote_id, sizeof r->remote_id, "%lld", (long long)json_integer_value(id));
		if (u && strlen(u) < sizeof r->remote_url && (str_starts(u, "https://") || str_starts(u, "http://")))
			str_copy(r->remote_url, u, sizeof r->remote_url);
		json_decref(j);
		r->outcome = NET_OK;
	} else if (rs.status > 0) {
		reason_of(&rs, why, sizeof why);
		if (rs.status == 408 || rs.status == 425 || rs.status == 429 || rs.status >= 500)
			set(r, NET_RETRY, "webhook.unavailable", "the receiver answered HTTP %ld%s%s", rs.status,
			    why[0] ? ": " : "", why);
		else if (rs.status == 401 || rs.status == 403)
			set(r, NET_AUTH, "webhook.auth", "the receiver refused the signature (HTTP %ld)%s%s: check the secret",
			    rs.status, why[0] ? ": " : "", why);
		else
			set(r, NET_FAIL, "webhook.rejected", "the receiver refused the post (HTTP %ld)%s%s", rs.status,
			    why[0] ? ": " : "", why);
	} else if (rs.error == HTTPC_BLOCKED) {
		set(r, NET_FAIL, "net.blocked", "%s", rs.message);
	} else if (rs.sent) {
		set(r, NET_UNKNOWN, rs.error == HTTPC_TIMEOUT ? "webhook.timeout" : "webhook.no_answer",
		    "%s: the receiver may have taken the post", rs.message);
	} else {
		set(r, NET_RETRY, "webhook.unreachable", "%s", rs.message);
	}
	http_response_free(&rs);
	return 0;
}

static int publish(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	return deliver(a, p, 0, r);
}

/* A receiver that promised idempotency (the channel's "idempotent"
 * setting) is asked again with the same key and body: it answers with
 * what it made the first time, or takes it now — once either way. Any
 * other receiver cannot be asked: the person decides. */
static int find_published(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	if (!json_is_true(json_object_get(a->secrets, "idempotent"))) {
		memset(r, 0, sizeof *r);
		set(r, NET_UNKNOWN, "webhook.unconfirmed",
		    "the receiver does not promise to dedupe by X-Kanal-Idempotency-Key: check it, then retry or "
		    "mark as published");
		return -1;
	}
	deliver(a, p, 1, r);
	if (r->outcome == NET_OK)
		return 1;
	r->outcome = NET_UNKNOWN;
	return -1;
}

const struct connector conn_webhook = {
	.network = "webhook",
	.publish = publish,
	.find_published = find_published,
};
