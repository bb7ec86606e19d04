/* x: publish a post (its images with alt text, its thread as a reply
 * chain, its first comment as a reply) through the X API v2. X has no
 * idempotency key, so every part published is recorded at once in the
 * account's state under the variant's idempotency key: a retry resumes
 * after the last part recorded and never posts one twice, and after a
 * call whose outcome is unknown the account's recent posts are read back
 * (GET /2/users/:id/tweets) and matched on the exact text (and the reply
 * parent) before anything is sent again.
 * Credentials: secrets.access_token (an OAuth 2.0 user token with
 * tweet.read tweet.write users.read media.write); base_url is the API root
 * (https://api.x.com when empty). The user id comes from GET /2/users/me,
 * once, and is kept in the state. See ../shared/NETWORKS.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "net/connector.h"
#include "net/http_client.h"
#include "net/netutil.h"
#include "net/oauth2.h"
#include "text/text.h"

/* Every limit and constant in one place. */
static const struct {
	const char *base;	    /* the API root when the account names none */
	size_t max_parts;	    /* thread parts (the first comment comes on top) */
	size_t max_images;	    /* per post */
	size_t max_image_bytes;	    /* per image */
	size_t max_alt;		    /* alt text, bytes (X: 1,000 characters) */
	long timeout_ms;	    /* one call */
	long upload_timeout_ms;	    /* one image upload */
	size_t max_response;	    /* bytes of one answer */
	int readback;		    /* posts read back to reconcile (X: 5 to 100) */
	int64_t readback_slack_ms;  /* read back from this long before the due time */
	size_t max_progress;	    /* idempotency keys remembered in the state */
	int64_t progress_ttl_ms;    /* and for how long */
	int64_t max_retry_after_ms; /* a longer reset is capped */
} XAPI = {
    .base = "https://api.x.com",
    .max_parts = 25,
    .max_images = 4,
    .max_image_bytes = 5 * 1000 * 1000,
    .max_alt = 4000,
    .timeout_ms = 15000,
    .upload_timeout_ms = 60000,
    .max_response = 512 * 1024,
    .readback = 100,
    .readback_slack_ms = 10LL * 60 * 1000,
    .max_progress = 64,
    .progress_ttl_ms = 14LL * 24 * 3600 * 1000,
    .max_retry_after_ms = 3600LL * 1000,
};

/* Printable ASCII of an X problem ({detail} or {title}, or the first of
 * {errors: [{message}]}), with the token (if X ever echoed it) replaced. */
static void reason_of(const char *token, json_t *j, const struct http_response *rs, char *out, size_t size)
{
	const char *m = net_jstr(j, "detail");
	json_t *errs = json_is_object(j) ? json_object_get(j, "errors") : NULL;
	if (json_is_array(errs) && json_array_size(errs) > 0) {
		json_t *e0 = json_array_get(errs, 0);
		const char *em = net_jstr(e0, "message") ? net_jstr(e0, "message") : net_jstr(e0, "detail");
		if (em)
			m = em; /* the first error names the field; detail is generic */
	}
	if (!m)
		m = net_jstr(j, "title");
	if (!m && !j)
		m = rs->body.len < 200 ? buf_cstr(&rs->body) : NULL;
	net_clean_message(m, &token, 1, out, size);
}

/* The delay a 429 asks for: x-rate-limit-reset (epoch seconds), else
 * Retry-After. */
static int64_t rate_limit_wait(const struct http_response *rs)
{
	char v[40];
	long long at;
	if (http_response_header(rs, "x-rate-limit-reset", v, sizeof v) && str_to_i64(v, &at) == 0 && at > 0) {
		int64_t d = (int64_t)at * 1000 - time_now_ms();
		if (d < 0)
			d = 0;
		return d < XAPI.max_retry_after_ms ? d : XAPI.max_retry_after_ms;
	}
	return rs->retry_after_ms;
}

struct xctx {
	struct net_account *a;
	const char *base; /* without a trailing '/' */
	size_t base_len;
	const char *token;
	const char *user_id, *username; /* from the state, once known */
};

/* One call. ctype/body: the request body or NULL. mutating: a failure
 * after the request was sent leaves us not knowing. Returns NET_OK with
 * *out (the parsed answer) on a 2xx that carries data, else fills r. */
static enum net_outcome call(const struct xctx *x, const char *method, const char *path, const char *ctype,
			     const void *body, size_t body_len, long timeout_ms, int mutating, json_t **out,
			     struct net_result *r)
{
	*out = NULL;
	static const char *const accept[] = {"Accept: application/json", NULL};
	struct net_bearer_req q = {
	    .method = method,
	    .base = x->base,
	    .base_len = x->base_len,
	    .path = path,
	    .token = x->token,
	    .headers = accept,
	    .ctype = ctype,
	    .body = body,
	    .body_len = body_len,
	    .timeout_ms = timeout_ms,
	    .max_response = XAPI.max_response,
	};
	struct http_response rs;
	net_bearer_do(&q, &rs);

	r->http_status = (int)rs.status;
	r->retry_after_ms = 0;
	net_rate_from_headers(&rs, "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset",
			      NET_RESET_EPOCH_S, &r->rate[NET_RATE_ACCOUNT]);
	enum net_outcome o = NET_OK;
	json_t *j = rs.body.len ? json_loadb(rs.body.ptr, rs.body.len, 0, NULL) : NULL;
	char why[256];
	if (rs.status >= 200 && rs.status < 300) {
		json_t *data = json_is_object(j) ? json_object_get(j, "data") : NULL;
		if (data || (json_is_object(j) && !json_object_get(j, "errors") && json_object_get(j, "meta"))) {
			*out = j;
			j = NULL;
		} else if (json_is_object(j) && json_object_get(j, "errors")) {
			/* X answers some refusals with 200 and errors[] without data */
			reason_of(x->token, j, &rs, why, sizeof why);
			o = NET_FAIL;
			net_set(r, o, "x.rejected", "X refused the request (HTTP %ld): %s", rs.status, why);
		} else {
			o = mutating ? NET_UNKNOWN : NET_RETRY;
			net_set(r, o, "x.bad_answer", "%s answered HTTP %ld without data", path, rs.status);
		}
	} else if (rs.status > 0) {
		reason_of(x->token, j, &rs, why, sizeof why);
		const char *sep = why[0] ? ": " : "";
		if (rs.status == 429) {
			o = NET_RETRY;
			net_set(r, o, "x.rate_limited", "X asks to slow down (HTTP 429)%s%s", sep, why);
			r->retry_after_ms = rate_limit_wait(&rs);
		} else if (rs.status == 401) {
			o = NET_AUTH;
			net_set(r, o, "x.auth", "X refused the access token (HTTP 401)%s%s: connect the channel again", sep,
			    why);
		} else if (rs.status >= 500 || rs.status == 408) {
			o = NET_RETRY;
			net_set(r, o, "x.unavailable", "X answered HTTP %ld%s%s", rs.status, sep, why);
			r->retry_after_ms = rs.retry_after_ms;
		} else {
			o = NET_FAIL;
			net_set(r, o, "x.rejected", "X refused the request (HTTP %ld)%s%s", rs.status, sep, why);
		}
	} else if (rs.error == HTTPC_BLOCKED) {
		o = NET_FAIL;
		net_set(r, o, "net.blocked", "%s", rs.message);
	} else if (rs.sent && mutating) {
		o = NET_UNKNOWN;
		net_set(r, o, rs.error == HTTPC_TIMEOUT ? "x.timeout" : "x.no_answer", "%s: X may have made the post",
		    rs.message);
	} else {
		o = NET_RETRY;
		net_set(r, o, "x.unreachable", "%s", rs.message);
	}
	json_decref(j);
	http_response_free(&rs);
	return o;
}

static enum net_outcome call_json(const struct xctx *x, const char *method, const char *path, json_t *body,
				  int mutating, json_t **out, struct net_result *r)
{
	char *text = json_dumps(body, JSON_COMPACT);
	enum net_outcome o =
	    call(x, method, path, "application/json", text, strlen(text), XAPI.timeout_ms, mutating, out, r);
	free(text);
	return o;
}

/* ---- the account and its state ------------------------------------------ */

static json_t *state_obj(struct net_account *a)
{
	if (!json_is_object(a->state))
		a->state = json_object();
	return a->state;
}

static int ctx_init(struct xctx *x, struct net_account *a, struct net_result *r)
{
	memset(x, 0, sizeof *x);
	x->a = a;
	x->token = net_jstr(a->secrets, "access_token");
	x->base = a->base_url && *a->base_url ? a->base_url : XAPI.base;
	if (!x->token || !*x->token) {
		net_set(r, NET_AUTH, "x.not_configured", "the X channel has no access token: connect it again");
		return -1;
	}
	x->base_len = strlen(x->base);
	while (x->base_len && x->base[x->base_len - 1] == '/')
		x->base_len--;
	x->user_id = net_jstr(a->state, "user_id");
	x->username = net_jstr(a->state, "username");
	return 0;
}

/* digits only, as X ids are */
static int is_id(const char *s)
{
	return s && *s && strlen(s) < 40 && strspn(s, "0123456789") == strlen(s);
}

/* The user id (GET /2/users/me once, then from the state). */
static enum net_outcome ensure_user(struct xctx *x, struct net_result *r)
{
	if (is_id(x->user_id))
		return NET_OK;
	json_t *me = NULL;
	enum net_outcome o = call(x, "GET", "/2/users/me", NULL, NULL, 0, XAPI.timeout_ms, 0, &me, r);
	if (o != NET_OK)
		return o;
	json_t *data = json_object_get(me, "data");
	const char *id = net_jstr(data, "id"), *username = net_jstr(data, "username");
	if (!is_id(id)) {
		json_decref(me);
		net_set(r, NET_RETRY, "x.bad_answer", "/2/users/me answered without a user id");
		return NET_RETRY;
	}
	json_t *st = state_obj(x->a);
	json_object_set_new(st, "user_id", json_string(id));
	if (username && *username && strlen(username) <= 50)
		json_object_set_new(st, "username", json_string(username));
	x->a->state_changed = 1;
	json_decref(me);
	x->user_id = net_jstr(st, "user_id");
	x->username = net_jstr(st, "username");
	return NET_OK;
}

/* The progress of one post: {"ids": [...], "at": ms}, created (and old
 * entries dropped) when create is set. */
static json_t *progress_of(struct net_account *a, const char *key, int create)
{
	json_t *p = net_progress(a, "progress", key, create, XAPI.max_progress, XAPI.progress_ttl_ms);
	if (p && !json_is_array(json_object_get(p, "ids"))) {
		if (!create)
			return NULL;
		json_object_set_new(p, "ids", json_array());
		a->state_changed = 1;
	}
	return p;
}

static void record(struct net_account *a, json_t *prog, const char *id)
{
	json_array_append_new(json_object_get(prog, "ids"), json_string(id));
	a->state_changed = 1;
	net_checkpoint(a); /* a part published is on disk before the next one is sent */
}

/* ---- what to send -------------------------------------------------------- */

struct part {
	char *text;	    /* owned */
	json_t *media;	    /* borrowed: [{path, mime, alt}] or NULL */
	int reply_to_first; /* the first comment answers the first post */
};

static void parts_free(struct part *parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i].text);
	free(parts);
}

static int check_media(json_t *media, struct net_result *r)
{
	if (!json_is_array(media))
		return 0;
	if (json_array_size(media) > XAPI.max_images) {
		net_set(r, NET_FAIL, "x.too_many_images", "X takes at most %zu images per post", XAPI.max_images);
		return -1;
	}
	size_t i;
	json_t *m;
	json_array_foreach(media, i, m)
	{
		const char *mime = net_jstr(m, "mime"), *path = net_jstr(m, "path");
		if (!path || !*path) {
			net_set(r, NET_FAIL, "x.media_unreadable", "an image has no file");
			return -1;
		}
		if (!mime || (strcmp(mime, "image/jpeg") != 0 && strcmp(mime, "image/png") != 0 &&
			      strcmp(mime, "image/webp") != 0 && strcmp(mime, "image/gif") != 0)) {
			net_set(r, NET_FAIL, "x.media_unsupported", "kanal posts JPEG, PNG, WebP and GIF images to X");
			return -1;
		}
	}
	return 0;
}

/* The parts of a post: the post (with the link after its text when the
 * text lacks it, and its images), its thread, its first comment. Returns
 * how many, or 0 with r filled. Caller frees with parts_free. */
static size_t collect(const struct net_post *p, struct part **out, struct net_result *r)
{
	*out = NULL;
	if (!p->idempotency_key || !*p->idempotency_key) {
		net_set(r, NET_FAIL, "x.no_key", "an X post needs an idempotency key");
		return 0;
	}
	if (check_media(p->media, r) != 0)
		return 0;
	struct part *parts = xcalloc(XAPI.max_parts + 2, sizeof *parts);
	size_t n = 0;
	const char *t0 = p->text ? p->text : "";
	struct buf b = BUF_INIT(0);
	buf_adds(&b, t0);
	if (p->link && *p->link && !strstr(t0, p->link))
		buf_addf(&b, "%s%s", *t0 ? "\n\n" : "", p->link);
	parts[n].media = json_is_array(p->media) && json_array_size(p->media) ? p->media : NULL;
	parts[n++].text = buf_steal(&b);
	size_t i;
	json_t *t;
	json_array_foreach(json_is_array(p->thread) ? p->thread : NULL, i, t)
	{
		const char *text = json_is_string(t) ? json_string_value(t) : net_jstr(t, "text");
		json_t *media = json_is_object(t) ? json_object_get(t, "media") : NULL;
		if (n >= XAPI.max_parts) {
			net_set(r, NET_FAIL, "x.thread_too_long", "the thread has more than %zu parts", XAPI.max_parts);
			parts_free(parts, n);
			return 0;
		}
		if (!text || !*text) {
			net_set(r, NET_FAIL, "x.invalid_thread", "a part of the thread has no text");
			parts_free(parts, n);
			return 0;
		}
		if (check_media(media, r) != 0) {
			parts_free(parts, n);
			return 0;
		}
		parts[n].media = json_is_array(media) && json_array_size(media) ? media : NULL;
		parts[n++].text = xstrdup(text);
	}
	if (p->first_comment && *p->first_comment) {
		parts[n].reply_to_first = 1;
		parts[n++].text = xstrdup(p->first_comment);
	}
	*out = parts;
	return n;
}

/* Upload one image (POST /2/media/upload, multipart, one shot) and set its
 * alt text (POST /2/media/metadata) before any post uses it. Uploading is
 * not visible to anyone, so a retry may upload again. */
static enum net_outcome upload_image(struct xctx *x, json_t *m, char *id, size_t idsize, struct net_result *r)
{
	const char *path = net_jstr(m, "path"), *mime = net_jstr(m, "mime"), *alt = net_jstr(m, "alt");
	struct buf data = BUF_INIT(0);
	char msg[256];
	int rc = net_read_file(path, XAPI.max_image_bytes, &data, msg, sizeof msg);
	if (rc != 0) {
		buf_free(&data);
		net_set(r, NET_FAIL, rc == -2 ? "x.media_too_large" : "x.media_unreadable", "%s", msg);
		return NET_FAIL;
	}
	unsigned char rnd[12];
	char hex[25], ctype[96];
	crypto_random(rnd, sizeof rnd);
	crypto_hex(rnd, sizeof rnd, hex);
	snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=kanal%s", hex);
	struct buf body = BUF_INIT(0);
	buf_addf(&body,
		 "--kanal%s\r\nContent-Disposition: form-data; name=\"media_category\"\r\n\r\ntweet_image\r\n"
		 "--kanal%s\r\nContent-Disposition: form-data; name=\"media_type\"\r\n\r\n%s\r\n"
		 "--kanal%s\r\nContent-Disposition: form-data; name=\"media\"; filename=\"image\"\r\n"
		 "Content-Type: %s\r\n\r\n",
		 hex, hex, mime, hex, mime);
	buf_add(&body, data.ptr ? data.ptr : "", data.len);
	buf_addf(&body, "\r\n--kanal%s--\r\n", hex);
	buf_free(&data);
	json_t *ans = NULL;
	enum net_outcome o =
	    call(x, "POST", "/2/media/upload", ctype, body.ptr, body.len, XAPI.upload_timeout_ms, 0, &ans, r);
	buf_free(&body);
	if (o != NET_OK)
		return o;
	const char *mid = net_jstr(json_object_get(ans, "data"), "id");
	if (!is_id(mid) || strlen(mid) >= idsize) {
		json_decref(ans);
		net_set(r, NET_RETRY, "x.bad_answer", "the media upload answered without an id");
		return NET_RETRY;
	}
	str_copy(id, mid, idsize);
	json_decref(ans);
	if (!alt || !*alt)
		return NET_OK;
	if (strlen(alt) > XAPI.max_alt) {
		net_set(r, NET_FAIL, "x.alt_too_long", "an image's alt text is longer than X allows");
		return NET_FAIL;
	}
	json_t *meta = json_pack("{s:s, s:{s:{s:s}}}", "id", id, "metadata", "alt_text", "text", alt);
	o = call_json(x, "POST", "/2/media/metadata", meta, 0, &ans, r);
	json_decref(meta);
	json_decref(ans);
	return o;
}

/* r->remote_id and remote_url for the first post. */
static void result_for(const struct xctx *x, const char *id, struct net_result *r)
{
	str_copy(r->remote_id, id, sizeof r->remote_id);
	const char *h = x->a->handle && *x->a->handle ? x->a->handle : x->username;
	if (h && *h == '@')
		h++;
	if (h && *h && strlen(h) <= 15 &&
	    strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(h))
		snprintf(r->remote_url, sizeof r->remote_url, "https://x.com/%s/status/%s", h, id);
	else
		snprintf(r->remote_url, sizeof r->remote_url, "https://x.com/i/web/status/%s", id);
	r->outcome = NET_OK;
	r->code[0] = r->message[0] = '\0';
}

/* Post part i (its images first), replying to parent when set. */
static enum net_outcome post_part(struct xctx *x, const struct part *pt, const char *parent, char *id, size_t idsize,
				  struct net_result *r)
{
	json_t *body = json_pack("{s:s}", "text", pt->text);
	if (parent)
		json_object_set_new(body, "reply", json_pack("{s:s}", "in_reply_to_tweet_id", parent));
	if (pt->media) {
		json_t *ids = json_array();
		size_t i;
		json_t *m;
		json_array_foreach(pt->media, i, m)
		{
			char mid[40];
			enum net_outcome o = upload_image(x, m, mid, sizeof mid, r);
			if (o != NET_OK) {
				json_decref(ids);
				json_decref(body);
				return o;
			}
			json_array_append_new(ids, json_string(mid));
		}
		json_object_set_new(body, "media", json_pack("{s:o}", "media_ids", ids));
	}
	json_t *ans = NULL;
	enum net_outcome o = call_json(x, "POST", "/2/tweets", body, 1, &ans, r);
	json_decref(body);
	if (o != NET_OK)
		return o;
	const char *tid = net_jstr(json_object_get(ans, "data"), "id");
	if (!is_id(tid) || strlen(tid) >= idsize) {
		json_decref(ans);
		net_set(r, NET_UNKNOWN, "x.bad_answer", "X answered a post without an id");
		return NET_UNKNOWN;
	}
	str_copy(id, tid, idsize);
	json_decref(ans);
	return NET_OK;
}

static int publish(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct xctx x;
	if (ctx_init(&x, a, r) != 0)
		return r->outcome;
	struct part *parts;
	size_t n = collect(p, &parts, r);
	if (n == 0)
		return r->outcome;
	enum net_outcome o = ensure_user(&x, r);
	json_t *prog = o == NET_OK ? progress_of(a, p->idempotency_key, 1) : NULL;
	json_t *ids = prog ? json_object_get(prog, "ids") : NULL;
	for (size_t i = json_array_size(ids); o == NET_OK && i < n; i++) {
		const char *parent = NULL;
		if (i > 0)
			parent = json_string_value(json_array_get(ids, parts[i].reply_to_first ? 0 : i - 1));
		char id[40];
		o = post_part(&x, &parts[i], parent, id, sizeof id, r);
		if (o == NET_OK)
			record(a, prog, id); /* before anything else can fail */
		else if (i > 0 && r->message[0]) {
			char m[sizeof r->message];
			snprintf(m, sizeof m, "part %zu of %zu: %.200s", i + 1, n, r->message);
			str_copy(r->message, m, sizeof r->message);
		}
	}
	if (o == NET_OK)
		result_for(&x, json_string_value(json_array_get(ids, 0)), r);
	parts_free(parts, n);
	return o;
}

/* ---- reconciliation: read the account's recent posts back ----------------- */

/* The text as X shows it back, comparable: X answers &, < and > as HTML
 * entities and every URL as a t.co link, so entities are decoded and each
 * URL (as twitter-text finds it) becomes one mark on both sides. */
static char *comparable(const char *s)
{
	struct buf d = BUF_INIT(0);
	for (const char *c = s; *c;) {
		if (strncmp(c, "&amp;", 5) == 0) {
			buf_adds(&d, "&");
			c += 5;
		} else if (strncmp(c, "&lt;", 4) == 0) {
			buf_adds(&d, "<");
			c += 4;
		} else if (strncmp(c, "&gt;", 4) == 0) {
			buf_adds(&d, ">");
			c += 4;
		} else {
			buf_add(&d, c, 1);
			c++;
		}
	}
	struct text_count tc;
	struct buf out = BUF_INIT(0);
	const char *t = buf_cstr(&d);
	if (text_count(NET_X, t, d.len, NULL, &tc) != 0) {
		buf_free(&d);
		return buf_steal(&out);
	}
	size_t at = 0;
	for (size_t i = 0; i < tc.nentities; i++) {
		if (tc.entities[i].type != ENT_URL || tc.entities[i].byte_start < at)
			continue;
		buf_add(&out, t + at, tc.entities[i].byte_start - at);
		buf_adds(&out, "\x01");
		at = tc.entities[i].byte_end;
	}
	buf_add(&out, t + at, d.len - at);
	text_count_free(&tc);
	buf_free(&d);
	return buf_steal(&out);
}

/* The id of the post this one replies to, or NULL. */
static const char *replied_to(json_t *tw)
{
	size_t i;
	json_t *ref;
	json_array_foreach(json_object_get(tw, "referenced_tweets"), i, ref)
	{
		const char *type = net_jstr(ref, "type");
		if (type && strcmp(type, "replied_to") == 0)
			return net_jstr(ref, "id");
	}
	return NULL;
}

static int find_published(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct xctx x;
	if (ctx_init(&x, a, r) != 0)
		return -1;
	struct part *parts;
	size_t n = collect(p, &parts, r);
	if (n == 0)
		return -1;
	json_t *prog = progress_of(a, p->idempotency_key, 0);
	size_t have = prog ? json_array_size(json_object_get(prog, "ids")) : 0;
	if (have >= n) {
		result_for(&x, json_string_value(json_array_get(json_object_get(prog, "ids"), 0)), r);
		parts_free(parts, n);
		return 1;
	}
	enum net_outcome o = ensure_user(&x, r);
	json_t *list = NULL;
	if (o == NET_OK) {
		char path[256], since[40];
		int64_t from = (p->created_at_ms > 0 ? p->created_at_ms : time_now_ms()) - XAPI.readback_slack_ms;
		time_t secs = (time_t)(from / 1000);
		struct tm tm;
		gmtime_r(&secs, &tm);
		strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(path, sizeof path,
			 "/2/users/%s/tweets?max_results=%d&start_time=%s&tweet.fields=created_at%%2Creferenced_tweets",
			 x.user_id, XAPI.readback, since);
		o = call(&x, "GET", path, NULL, NULL, 0, XAPI.timeout_ms, 0, &list, r);
	}
	if (o != NET_OK) {
		parts_free(parts, n);
		char m[sizeof r->message];
		snprintf(m, sizeof m, "cannot read the account's posts back: %.200s", r->message);
		str_copy(r->message, m, sizeof r->message);
		return -1;
	}
	json_t *data = json_object_get(list, "data");
	for (size_t i = have; i < n; i++) {
		json_t *ids = prog ? json_object_get(prog, "ids") : NULL;
		const char *parent =
		    i == 0 ? NULL : json_string_value(json_array_get(ids, parts[i].reply_to_first ? 0 : i - 1));
		char *want = comparable(parts[i].text);
		const char *found = NULL;
		size_t k;
		json_t *tw;
		json_array_foreach(data, k, tw)
		{
			const char *text = net_jstr(tw, "text"), *id = net_jstr(tw, "id"), *to = replied_to(tw);
			if (!text || !is_id(id) || (parent ? !to || strcmp(to, parent) != 0 : to != NULL))
				continue;
			char *got = comparable(text);
			int same = strcmp(got, want) == 0;
			free(got);
			if (same) {
				found = id;
				break;
			}
		}
		free(want);
		if (!found)
			break;
		prog = progress_of(a, p->idempotency_key, 1);
		record(a, prog, found);
	}
	prog = progress_of(a, p->idempotency_key, 0);
	have = prog ? json_array_size(json_object_get(prog, "ids")) : 0;
	int rc;
	if (have >= n) {
		result_for(&x, json_string_value(json_array_get(json_object_get(prog, "ids"), 0)), r);
		rc = 1;
	} else {
		r->outcome = NET_RETRY;
		r->code[0] = '\0';
		snprintf(r->message, sizeof r->message, "%zu of %zu parts are on X; the rest can be posted", have, n);
		rc = 0;
	}
	json_decref(list);
	parts_free(parts, n);
	return rc;
}

static int remove_post(struct net_account *a, const char *remote_id, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct xctx x;
	if (ctx_init(&x, a, r) != 0)
		return r->outcome;
	if (!is_id(remote_id)) {
		net_set(r, NET_FAIL, "x.invalid_id", "not a post id");
		return r->outcome;
	}
	char path[80];
	snprintf(path, sizeof path, "/2/tweets/%s", remote_id);
	json_t *ans = NULL;
	enum net_outcome o = call(&x, "DELETE", path, NULL, NULL, 0, XAPI.timeout_ms, 1, &ans, r);
	json_decref(ans);
	if (o == NET_OK) {
		r->outcome = NET_OK;
		r->code[0] = r->message[0] = '\0';
		str_copy(r->remote_id, remote_id, sizeof r->remote_id);
	}
	return o;
}

/* Static: X publishes no per-account limits (premium lengths would need a
 * subscription look-up). */
static int limits(struct net_account *a, json_t **out, struct net_result *r)
{
	(void)a;
	(void)r;
	*out = json_pack("{s:i, s:i, s:s, s:I, s:I, s:i}", "max_chars", 280, "url_weight", 23, "counting", "weighted",
			 "max_media", (json_int_t)XAPI.max_images, "max_image_bytes", (json_int_t)XAPI.max_image_bytes,
			 "max_thread_parts", (int)XAPI.max_parts);
	return 0;
}

const struct connector conn_x = {
    .network = "x",
    .publish = publish,
    .find_published = find_published,
    .remove = remove_post,
    .limits = limits,
    .refresh = oauth2_refresh_account, /* net/oauth2.c: the network's documented renewal */
};
