/* mastodon: publish a status (and its thread, as replies) to the account's
 * instance, exactly once: every POST /api/v1/statuses carries an
 * Idempotency-Key derived from the variant's stable key (part i > 0:
 * key + "/i"), which the instance remembers for about an hour and answers
 * with the status it already made. A retry, and the reconciliation after
 * a call whose outcome is unknown, re-POST with the same keys while that
 * window is open; after it, the outcome stays unknown (a person decides).
 * Credentials: secrets.access_token (scopes write:statuses, write:media);
 * base_url is the instance. Images go up first (POST /api/v2/media with
 * their alt text; a 202 is polled until processed) and their ids are kept
 * in the account's state under the part's key, so that a retry attaches
 * the same uploads instead of sending the files again. Videos and other
 * files stay refused (mastodon.media_unsupported). The instance's limits
 * come from GET /api/v2/instance. See ../shared/NETWORKS.md. */
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

/* Every limit and constant in one place. */
static const struct {
	size_t max_parts;	   /* a thread longer than this is refused */
	long timeout_ms;	   /* one call */
	size_t max_response;	   /* bytes of one answer */
	int64_t key_window_ms;	   /* how long after the due time a re-POST with the same key is trusted */
	int64_t max_retry_after_ms; /* a longer reset is capped */
	long upload_timeout_ms;	   /* one media upload */
	size_t max_media;	   /* images on one status (Mastodon's default) */
	size_t max_alt;		   /* characters of a description */
	size_t max_image;	   /* bytes of one image read from disk */
	int media_polls;	   /* GET /api/v1/media/:id while it processes */
	long media_poll_ms;	   /* the first wait; doubled up to media_poll_max_ms */
	long media_poll_max_ms;
	size_t max_uploads_kept;   /* parts whose media ids the state remembers */
} MASTO = {
    .max_parts = 50,
    .timeout_ms = 15000,
    .max_response = 256 * 1024,
    .key_window_ms = 50LL * 60 * 1000, /* the instance keeps keys ~1 h from the first attempt */
    .max_retry_after_ms = 3600LL * 1000,
    .upload_timeout_ms = 60000,
    .max_media = 4,
    .max_alt = 1500,
    .max_image = 16u << 20,
    .media_polls = 12,
    .media_poll_ms = 200,
    .media_poll_max_ms = 3000,
    .max_uploads_kept = 32,
};

/* Printable ASCII of the instance's {"error": ...}, with the token (if the
 * instance ever echoed it) replaced. */
static void reason_of(const char *token, json_t *j, const struct http_response *rs, char *out, size_t size)
{
	const char *m = net_jstr(j, "error");
	if (!m && !j)
		m = rs->body.len < 200 ? buf_cstr(&rs->body) : NULL;
	net_clean_message(m, &token, 1, out, size);
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

/* A request body other than JSON (a multipart upload). */
struct raw_body {
	const char *content_type; /* the whole header value */
	const void *data;
	size_t len;
	long timeout_ms;
};

/* One call. body: JSON or NULL; raw: a body of another type (then body is
 * NULL). ikey: the Idempotency-Key or NULL. mutating: a failure after the
 * request was sent leaves us not knowing. Returns NET_OK with *out (the
 * parsed answer) on 2xx, else fills r. */
static enum net_outcome call_body(const struct masto *m, const char *method, const char *path, json_t *body,
				  const struct raw_body *raw, const char *ikey, int mutating, json_t **out,
				  struct net_result *r)
{
	*out = NULL;
	struct buf key = BUF_INIT(0);
	const char *headers[3];
	size_t nh = 0;
	headers[nh++] = "Accept: application/json";
	if (ikey) {
		buf_addf(&key, "Idempotency-Key: %s", ikey);
		headers[nh++] = buf_cstr(&key);
	}
	headers[nh] = NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct net_bearer_req q = {
	    .method = method,
	    .base = m->base,
	    .base_len = m->base_len,
	    .path = path,
	    .token = m->token,
	    .headers = headers,
	    .ctype = body ? "application/json" : raw ? raw->content_type : NULL,
	    .body = text ? (const void *)text : raw ? raw->data : NULL,
	    .body_len = text ? strlen(text) : raw ? raw->len : 0,
	    .timeout_ms = raw && raw->timeout_ms ? raw->timeout_ms : MASTO.timeout_ms,
	    .max_response = MASTO.max_response,
	};
	struct http_response rs;
	net_bearer_do(&q, &rs);
	free(text);
	buf_free(&key);

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
			net_set(r, o, "mastodon.bad_answer", "%s answered HTTP %ld without a JSON object", path, rs.status);
		}
	} else if (rs.status > 0) {
		reason_of(m->token, j, &rs, why, sizeof why);
		const char *sep = why[0] ? ": " : "";
		if (rs.status == 429) {
			o = NET_RETRY;
			net_set(r, o, "mastodon.rate_limited", "the instance asks to slow down (HTTP 429)%s%s", sep, why);
			r->retry_after_ms = rate_limit_wait(&rs);
		} else if (rs.status == 401 || rs.status == 403) {
			o = NET_AUTH;
			net_set(r, o, "mastodon.auth", "the instance refused the access token (HTTP %ld)%s%s: connect the channel again",
			    rs.status, sep, why);
		} else if (rs.status >= 500 || rs.status == 408) {
			o = NET_RETRY;
			net_set(r, o, "mastodon.unavailable", "the instance answered HTTP %ld%s%s", rs.status, sep, why);
			r->retry_after_ms = rs.retry_after_ms;
		} else {
			o = NET_FAIL;
			net_set(r, o, "mastodon.rejected", "the instance refused the post (HTTP %ld)%s%s", rs.status, sep, why);
		}
	} else if (rs.error == HTTPC_BLOCKED) {
		o = NET_FAIL;
		net_set(r, o, "net.blocked", "%s", rs.message);
	} else if (rs.sent && mutating) {
		o = NET_UNKNOWN;
		net_set(r, o, rs.error == HTTPC_TIMEOUT ? "mastodon.timeout" : "mastodon.no_answer",
		    "%s: the instance may have made the status", rs.message);
	} else {
		o = NET_RETRY;
		net_set(r, o, "mastodon.unreachable", "%s", rs.message);
	}
	json_decref(j);
	http_response_free(&rs);
	return o;
}

static enum net_outcome call(const struct masto *m, const char *method, const char *path, json_t *body,
			     const char *ikey, int mutating, json_t **out, struct net_result *r)
{
	return call_body(m, method, path, body, NULL, ikey, mutating, out, r);
}

static int ctx_init(struct masto *m, const struct net_account *a, struct net_result *r)
{
	m->token = net_jstr(a->secrets, "access_token");
	m->base = a->base_url;
	if (!m->token || !*m->token || !m->base || !*m->base) {
		net_set(r, NET_AUTH, "mastodon.not_configured",
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
	json_t *media; /* [{path, mime, alt}] or NULL; borrowed */
	char key[320];
};

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* The images of one part, checked before anything is sent: how many, of
 * which type, with a description the instance takes. */
static int check_media(json_t *media, struct net_result *r)
{
	if (!json_is_array(media))
		return 0;
	if (json_array_size(media) > MASTO.max_media) {
		net_set(r, NET_FAIL, "mastodon.too_many_media", "a Mastodon post takes at most %zu images", MASTO.max_media);
		return -1;
	}
	size_t i;
	json_t *m;
	json_array_foreach(media, i, m)
	{
		const char *mime = net_jstr(m, "mime"), *path = net_jstr(m, "path");
		if (!mime || !str_starts(mime, "image/") || !path || !*path) {
			net_set(r, NET_FAIL, "mastodon.media_unsupported",
			    "kanal posts images to Mastodon; videos and other files are not supported yet");
			return -1;
		}
		if (utf8_chars(net_jstr(m, "alt")) > MASTO.max_alt) {
			net_set(r, NET_FAIL, "mastodon.alt_too_long", "an image description is longer than %zu characters",
			    MASTO.max_alt);
			return -1;
		}
	}
	return 0;
}

/* The parts of a post: the post, its thread, its first comment (a reply
 * to the post). Returns how many, or 0 with r filled. */
static size_t collect(const struct net_post *p, struct part *parts, size_t max, struct net_result *r)
{
	if (!p->idempotency_key || !*p->idempotency_key) {
		net_set(r, NET_FAIL, "mastodon.no_key", "a Mastodon post needs an idempotency key");
		return 0;
	}
	if (check_media(p->media, r))
		return 0;
	size_t n = 0;
	parts[n].media = json_array_size(p->media) ? p->media : NULL;
	parts[n++].text = p->text ? p->text : "";
	size_t i;
	json_t *t;
	json_array_foreach(json_is_array(p->thread) ? p->thread : NULL, i, t)
	{
		const char *text = json_is_string(t) ? json_string_value(t) : net_jstr(t, "text");
		if (n + 1 >= max) {
			net_set(r, NET_FAIL, "mastodon.thread_too_long", "the thread has more than %zu parts", max - 1);
			return 0;
		}
		json_t *media = json_is_object(t) ? json_object_get(t, "media") : NULL;
		if (check_media(media, r))
			return 0;
		if (!text) {
			net_set(r, NET_FAIL, "mastodon.invalid_thread", "a part of the thread has no text");
			return 0;
		}
		parts[n].media = json_array_size(media) ? media : NULL;
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
		parts[n].media = NULL;
		snprintf(parts[n].key, sizeof parts[n].key, "%s/comment", p->idempotency_key);
		n++;
	}
	return n;
}

/* ---- media ------------------------------------------------------------- */

/* The state keeps {"media_uploads": [{"key": part key, "ids": [id|null...]}]},
 * newest last, at most MASTO.max_uploads_kept parts. */
static json_t *kept_entry(json_t *state, const char *key)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(state, "media_uploads"), i, e)
	{
		if (net_jstr(e, "key") && strcmp(net_jstr(e, "key"), key) == 0)
			return e;
	}
	return NULL;
}

static const char *kept_id(struct net_account *a, const char *key, size_t idx)
{
	json_t *e = kept_entry(a->state, key);
	json_t *v = e ? json_array_get(json_object_get(e, "ids"), idx) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Remember (or forget, id NULL) the upload of image idx of a part. */
static void keep_id(struct net_account *a, const char *key, size_t idx, size_t n, const char *id)
{
	if (!json_is_object(a->state))
		a->state = json_object(); /* the engine frees a replaced state */
	json_t *list = json_object_get(a->state, "media_uploads");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(a->state, "media_uploads", list);
	}
	json_t *e = kept_entry(a->state, key);
	if (!e) {
		json_t *ids = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(ids, json_null());
		e = json_pack("{ss so}", "key", key, "ids", ids);
		json_array_append_new(list, e);
		while (json_array_size(list) > MASTO.max_uploads_kept)
			json_array_remove(list, 0);
	}
	json_t *ids = json_object_get(e, "ids");
	while (json_array_size(ids) <= idx)
		json_array_append_new(ids, json_null());
	json_array_set_new(ids, idx, id ? json_string(id) : json_null());
	a->state_changed = 1;
}

static int read_image(const char *path, struct buf *out, char *msg, size_t msize)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(msg, msize, "cannot open the image: %s", strerror(errno));
		return -1;
	}
	out->max = MASTO.max_image;
	char chunk[65536];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf_add(out, chunk, n) != 0) {
			snprintf(msg, msize, "the image is larger than %zu bytes", MASTO.max_image);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(msg, msize, "cannot read the image: %s", strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}

static int memhas(const struct buf *b, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; b->ptr && i + nl <= b->len; i++)
		if (b->ptr[i] == needle[0] && memcmp(b->ptr + i, needle, nl) == 0)
			return 1;
	return 0;
}

/* The multipart body of POST /api/v2/media: file, then description. */
static void multipart(const struct buf *data, const char *mime, const char *alt, char *boundary, size_t bsize,
		      struct buf *out)
{
	do {
		unsigned char rnd[12];
		crypto_random(rnd, sizeof rnd);
		int w = snprintf(boundary, bsize, "kanal-");
		for (size_t i = 0; i < sizeof rnd && w + 2 < (int)bsize; i++)
			w += snprintf(boundary + w, bsize - (size_t)w, "%02x", rnd[i]);
	} while (memhas(data, boundary) || (alt && strstr(alt, boundary)));
	const char *ext = strcmp(mime, "image/png") == 0    ? "png"
			  : strcmp(mime, "image/gif") == 0  ? "gif"
			  : strcmp(mime, "image/webp") == 0 ? "webp"
							    : "jpg";
	out->max = MASTO.max_image + 8192;
	buf_addf(out, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"image.%s\"\r\n"
		      "Content-Type: %s\r\n\r\n",
		 boundary, ext, mime);
	buf_add(out, data->ptr ? data->ptr : "", data->len);
	if (alt && *alt)
		buf_addf(out, "\r\n--%s\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n%s", boundary,
			 alt);
	buf_addf(out, "\r\n--%s--\r\n", boundary);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Wait until the instance has processed an upload (its url is set).
 * NET_OK ready; NET_FAIL with code mastodon.media_gone when the instance
 * no longer has it (expired, or another account's); else r filled. */
static enum net_outcome await_media(const struct masto *m, const char *id, json_t *first, struct net_result *r)
{
	if (first && net_jstr(first, "url") && r->http_status == 200)
		return NET_OK;
	char path[96];
	snprintf(path, sizeof path, "/api/v1/media/%s", id);
	long wait = MASTO.media_poll_ms;
	for (int k = 0; k < MASTO.media_polls; k++) {
		if (k > 0 || first) {
			sleep_ms(wait);
			wait = wait * 2 < MASTO.media_poll_max_ms ? wait * 2 : MASTO.media_poll_max_ms;
		}
		json_t *j = NULL;
		enum net_outcome o = call(m, "GET", path, NULL, NULL, 0, &j, r);
		if (o != NET_OK) {
			if (r->http_status == 404) {
				net_set(r, NET_FAIL, "mastodon.media_gone", "the instance no longer has the uploaded image");
				return NET_FAIL;
			}
			return o;
		}
		int ready = r->http_status == 200 && net_jstr(j, "url") && *net_jstr(j, "url");
		json_decref(j);
		if (ready)
			return NET_OK;
	}
	net_set(r, NET_RETRY, "mastodon.media_processing", "the instance is still processing an image");
	return NET_RETRY;
}

/* Upload one image with its description; *id filled (size bytes). */
static enum net_outcome upload(const struct masto *m, json_t *item, char *id, size_t size, struct net_result *r)
{
	struct buf data = BUF_INIT(0), body = BUF_INIT(0);
	char msg[256], boundary[64], ctype[128];
	if (read_image(net_jstr(item, "path"), &data, msg, sizeof msg) != 0) {
		buf_free(&data);
		net_set(r, NET_FAIL, "mastodon.media_unreadable", "%s", msg);
		return NET_FAIL;
	}
	const char *mime = net_jstr(item, "mime");
	multipart(&data, mime, net_jstr(item, "alt"), boundary, sizeof boundary, &body);
	buf_free(&data);
	snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=%s", boundary);
	struct raw_body raw = {ctype, body.ptr, body.len, MASTO.upload_timeout_ms};
	json_t *j = NULL;
	/* not "mutating": an upload that may have happened costs only an
	 * unattached file on the instance, so a retry uploads again */
	enum net_outcome o = call_body(m, "POST", "/api/v2/media", NULL, &raw, NULL, 0, &j, r);
	buf_free(&body);
	if (o != NET_OK)
		return o;
	const char *got = net_jstr(j, "id");
	if (!got || !*got || strlen(got) >= size || strspn(got, "0123456789") != strlen(got)) {
		json_decref(j);
		net_set(r, NET_RETRY, "mastodon.bad_answer", "the instance answered an upload without an id");
		return NET_RETRY;
	}
	str_copy(id, got, size);
	*r->code = '\0';
	json_t *first = j;
	o = await_media(m, id, first, r);
	json_decref(j);
	return o;
}

/* The media ids of one part: kept ones (still on the instance) reused,
 * the others uploaded and kept at once. *ids is a new array. */
static enum net_outcome media_ids(const struct masto *m, struct net_account *a, const struct part *pt, json_t **ids,
				  struct net_result *r)
{
	*ids = json_array();
	size_t n = json_array_size(pt->media), i;
	json_t *item;
	json_array_foreach(pt->media, i, item)
	{
		char id[64];
		const char *kept = kept_id(a, pt->key, i);
		enum net_outcome o = NET_FAIL;
		if (kept && strlen(kept) < sizeof id) {
			str_copy(id, kept, sizeof id);
			o = await_media(m, id, NULL, r);
			if (o == NET_FAIL && strcmp(r->code, "mastodon.media_gone") == 0) {
				keep_id(a, pt->key, i, n, NULL);
				kept = NULL;
			} else if (o != NET_OK)
				return o;
		} else
			kept = NULL;
		if (!kept) {
			o = upload(m, item, id, sizeof id, r);
			if (o == NET_OK || strcmp(r->code, "mastodon.media_processing") == 0)
				keep_id(a, pt->key, i, n, id);
			if (o != NET_OK)
				return o;
		}
		json_array_append_new(*ids, json_string(id));
	}
	return NET_OK;
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
		if (parts[i].media) {
			json_t *ids = NULL;
			o = media_ids(&m, a, &parts[i], &ids, r);
			json_object_set_new(body, "media_ids", ids);
			if (o != NET_OK) {
				json_decref(body);
				break;
			}
		}
		json_t *st = NULL;
		o = call(&m, "POST", "/api/v1/statuses", body, parts[i].key, 1, &st, r);
		json_decref(body);
		if (o != NET_OK)
			break;
		const char *id = net_jstr(st, "id"), *url = net_jstr(st, "url");
		if (!id || !*id || strlen(id) >= sizeof prev_id) {
			json_decref(st);
			o = NET_UNKNOWN;
			net_set(r, o, "mastodon.bad_answer", "the instance answered a status without an id");
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
		net_set(r, NET_UNKNOWN, "mastodon.unconfirmed",
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
		net_set(r, NET_FAIL, "mastodon.invalid_id", "not a status id");
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

/* A positive integer of the instance's configuration, or 0. */
static json_int_t conf_int(json_t *conf, const char *group, const char *k, json_int_t max)
{
	json_t *v = json_object_get(json_object_get(conf, group), k);
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
	return n > 0 && n <= max ? n : 0;
}

/* GET /api/v2/instance: configuration.statuses and .media_attachments, as
 * {max_chars, url_weight, max_media, max_image_bytes, mime_types} (each
 * only when the instance says it). */
static int instance_limits(struct net_account *a, json_t **out, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	*out = NULL;
	struct masto m;
	if (ctx_init(&m, a, r) != 0)
		return -1;
	json_t *j = NULL;
	if (call(&m, "GET", "/api/v2/instance", NULL, NULL, 0, &j, r) != NET_OK)
		return -1;
	json_t *conf = json_object_get(j, "configuration");
	json_t *lim = json_object();
	json_int_t v;
	if ((v = conf_int(conf, "statuses", "max_characters", 1000000)))
		json_object_set_new(lim, "max_chars", json_integer(v));
	if ((v = conf_int(conf, "statuses", "characters_reserved_per_url", 1000)))
		json_object_set_new(lim, "url_weight", json_integer(v));
	if ((v = conf_int(conf, "statuses", "max_media_attachments", 1000)))
		json_object_set_new(lim, "max_media", json_integer(v));
	if ((v = conf_int(conf, "media_attachments", "image_size_limit", (json_int_t)1 << 31)))
		json_object_set_new(lim, "max_image_bytes", json_integer(v));
	json_t *types = json_object_get(json_object_get(conf, "media_attachments"), "supported_mime_types");
	if (json_is_array(types)) {
		json_t *keep = json_array(), *t;
		size_t i;
		json_array_foreach(types, i, t)
		{
			if (json_is_string(t) && json_string_length(t) < 100 && json_array_size(keep) < 100)
				json_array_append(keep, t);
		}
		json_object_set_new(lim, "mime_types", keep);
	}
	json_decref(j);
	if (!json_object_get(lim, "max_chars")) {
		json_decref(lim);
		net_set(r, NET_FAIL, "mastodon.bad_answer", "the instance did not say its status length");
		return -1;
	}
	*out = lim;
	return 0;
}

const struct connector conn_mastodon = {
    .network = "mastodon",
    .publish = publish,
    .find_published = find_published,
    .remove = remove_status,
    .limits = instance_limits,
    .refresh = oauth2_refresh_account, /* net/oauth2.c: the network's documented renewal */
};
