/* linkedin: publish a post (its images with alt text, its link, its first
 * comment as a comment) through LinkedIn's versioned REST API (Posts,
 * Images and socialActions). LinkedIn has no idempotency key and no
 * threads: the post's URN and its comment's are recorded in the account's
 * state under the variant's idempotency key as soon as LinkedIn answers, so
 * a retry never posts either twice, and after a call whose outcome is
 * unknown the author's recent posts (and the post's comments) are read
 * back and matched on the exact commentary before anything is sent again.
 * The commentary is LinkedIn's "little text": reserved characters are
 * backslash-escaped or the post is cut at the first one.
 * Credentials: secrets.access_token (w_member_social or
 * w_organization_social), secrets.author_urn (optional: else GET
 * /v2/userinfo names the member, kept in the state); base_url is the API
 * root (https://api.linkedin.com when empty). See ../shared/NETWORKS.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "net/connector.h"
#include "net/http_client.h"
#include "net/netutil.h"
#include "net/oauth2.h"
#include "text/adapt.h"

/* Every limit and constant in one place. */
static const struct {
	const char *base;	   /* the API root when the account names none */
	const char *version;	   /* LinkedIn-Version: YYYYMM (each is served about a year) */
	size_t max_chars;	   /* commentary, characters after escaping */
	size_t max_images;	   /* per post (multiImage) */
	size_t max_image_bytes;	   /* per image */
	size_t max_alt;		   /* alt text, bytes */
	long timeout_ms;	   /* one call */
	long upload_timeout_ms;	   /* one image upload */
	size_t max_response;	   /* bytes of one answer */
	int readback;		   /* posts (or comments) read back to reconcile */
	int64_t readback_slack_ms; /* a post created this long before the due time is not ours */
	size_t max_progress;	   /* idempotency keys remembered in the state */
	int64_t progress_ttl_ms;   /* and for how long */
} LI = {
    .base = "https://api.linkedin.com",
    .version = "202510",
    .max_chars = 3000,
    .max_images = 20,
    .max_image_bytes = 8 * 1024 * 1024,
    .max_alt = 4000,
    .timeout_ms = 15000,
    .upload_timeout_ms = 60000,
    .max_response = 512 * 1024,
    .readback = 20,
    .readback_slack_ms = 10LL * 60 * 1000,
    .max_progress = 64,
    .progress_ttl_ms = 14LL * 24 * 3600 * 1000,
};

/* Printable ASCII of LinkedIn's {"message": ...}, with the token (if it
 * were ever echoed) replaced. */
static void reason_of(const char *token, json_t *j, const struct http_response *rs, char *out, size_t size)
{
	const char *m = net_jstr(j, "message");
	if (!m && !j)
		m = rs->body.len < 200 ? buf_cstr(&rs->body) : NULL;
	net_clean_message(m, &token, 1, out, size);
}

/* A URN as one path segment or query value. */
static void add_encoded(struct buf *b, const char *s)
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

struct li {
	struct net_account *a;
	const char *base; /* without a trailing '/' */
	size_t base_len;
	const char *token;
	const char *author; /* urn:li:person:... or urn:li:organization:..., once known */
};

struct reply {
	json_t *json;	     /* the parsed answer, or NULL (201 often has no body) */
	char restli_id[256]; /* x-restli-id: the URN made */
};

/* One call. url: a path under the API root, or (absolute) an upload URL.
 * finder: send X-RestLi-Method: FINDER. mutating: a failure after the
 * request was sent leaves us not knowing. Returns NET_OK with *rp filled
 * on 2xx, else fills r. */
static enum net_outcome call(const struct li *l, const char *method, const char *url, int finder, const char *ctype,
			     const void *body, size_t body_len, long timeout_ms, int mutating, struct reply *rp,
			     struct net_result *r)
{
	memset(rp, 0, sizeof *rp);
	int absolute = str_starts(url, "https://") || str_starts(url, "http://");
	struct buf ver = BUF_INIT(0);
	buf_addf(&ver, "LinkedIn-Version: %s", LI.version);
	const char *headers[5];
	size_t nh = 0;
	if (!absolute) { /* an upload URL gets the bytes and the token only */
		headers[nh++] = "Accept: application/json";
		headers[nh++] = buf_cstr(&ver);
		headers[nh++] = "X-Restli-Protocol-Version: 2.0.0";
	}
	if (finder)
		headers[nh++] = "X-RestLi-Method: FINDER";
	headers[nh] = NULL;
	struct net_bearer_req q = {
	    .method = method,
	    .base = absolute ? NULL : l->base,
	    .base_len = l->base_len,
	    .path = url,
	    .token = l->token,
	    .headers = headers,
	    .ctype = ctype,
	    .body = body,
	    .body_len = body_len,
	    .timeout_ms = timeout_ms,
	    .max_response = LI.max_response,
	};
	struct http_response rs;
	net_bearer_do(&q, &rs);
	buf_free(&ver);

	r->http_status = (int)rs.status;
	r->retry_after_ms = 0;
	enum net_outcome o = NET_OK;
	json_t *j = rs.body.len ? json_loadb(rs.body.ptr, rs.body.len, 0, NULL) : NULL;
	char why[256];
	if (rs.status >= 200 && rs.status < 300) {
		rp->json = j;
		j = NULL;
		http_response_header(&rs, "x-restli-id", rp->restli_id, sizeof rp->restli_id);
	} else if (rs.status > 0) {
		reason_of(l->token, j, &rs, why, sizeof why);
		const char *sep = why[0] ? ": " : "";
		if (rs.status == 429) {
			o = NET_RETRY;
			net_set(r, o, "linkedin.rate_limited", "LinkedIn asks to slow down (HTTP 429)%s%s", sep, why);
			r->retry_after_ms = rs.retry_after_ms;
		} else if (rs.status == 401) {
			o = NET_AUTH;
			net_set(r, o, "linkedin.auth",
			    "LinkedIn refused the access token (HTTP 401)%s%s: connect the channel again", sep, why);
		} else if (rs.status >= 500 || rs.status == 408) {
			o = NET_RETRY;
			net_set(r, o, "linkedin.unavailable", "LinkedIn answered HTTP %ld%s%s", rs.status, sep, why);
			r->retry_after_ms = rs.retry_after_ms;
		} else {
			o = NET_FAIL;
			net_set(r, o, "linkedin.rejected", "LinkedIn refused the request (HTTP %ld)%s%s", rs.status, sep,
			    why);
		}
	} else if (rs.error == HTTPC_BLOCKED) {
		o = NET_FAIL;
		net_set(r, o, "net.blocked", "%s", rs.message);
	} else if (rs.sent && mutating) {
		o = NET_UNKNOWN;
		net_set(r, o, rs.error == HTTPC_TIMEOUT ? "linkedin.timeout" : "linkedin.no_answer",
		    "%s: LinkedIn may have made the post", rs.message);
	} else {
		o = NET_RETRY;
		net_set(r, o, "linkedin.unreachable", "%s", rs.message);
	}
	json_decref(j);
	http_response_free(&rs);
	return o;
}

static enum net_outcome call_json(const struct li *l, const char *path, json_t *body, int mutating, struct reply *rp,
				  struct net_result *r)
{
	char *text = json_dumps(body, JSON_COMPACT);
	enum net_outcome o =
	    call(l, "POST", path, 0, "application/json", text, strlen(text), LI.timeout_ms, mutating, rp, r);
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

static int author_valid(const char *u)
{
	const char *id = NULL;
	if (u && str_starts(u, "urn:li:person:"))
		id = u + strlen("urn:li:person:");
	else if (u && str_starts(u, "urn:li:organization:"))
		id = u + strlen("urn:li:organization:");
	return id && *id && strlen(u) < 200 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == strlen(id);
}

static int ctx_init(struct li *l, struct net_account *a, struct net_result *r)
{
	memset(l, 0, sizeof *l);
	l->a = a;
	l->token = net_jstr(a->secrets, "access_token");
	l->base = a->base_url && *a->base_url ? a->base_url : LI.base;
	if (!l->token || !*l->token) {
		net_set(r, NET_AUTH, "linkedin.not_configured",
		    "the LinkedIn channel has no access token: connect it again");
		return -1;
	}
	const char *given = net_jstr(a->secrets, "author_urn");
	if (given && !author_valid(given)) {
		net_set(r, NET_FAIL, "linkedin.invalid_author",
		    "the channel's author must be urn:li:person:... or urn:li:organization:...");
		return -1;
	}
	l->author = given ? given : net_jstr(a->state, "author_urn");
	l->base_len = strlen(l->base);
	while (l->base_len && l->base[l->base_len - 1] == '/')
		l->base_len--;
	return 0;
}

/* The author URN: given, kept, or the member GET /v2/userinfo names. */
static enum net_outcome ensure_author(struct li *l, struct net_result *r)
{
	if (author_valid(l->author))
		return NET_OK;
	struct reply rp;
	enum net_outcome o = call(l, "GET", "/v2/userinfo", 0, NULL, NULL, 0, LI.timeout_ms, 0, &rp, r);
	if (o != NET_OK)
		return o;
	const char *sub = net_jstr(rp.json, "sub");
	char urn[256];
	snprintf(urn, sizeof urn, "urn:li:person:%s", sub ? sub : "");
	if (!sub || !author_valid(urn)) {
		json_decref(rp.json);
		net_set(r, NET_RETRY, "linkedin.bad_answer", "/v2/userinfo answered without a member id");
		return NET_RETRY;
	}
	json_decref(rp.json);
	json_object_set_new(state_obj(l->a), "author_urn", json_string(urn));
	l->a->state_changed = 1;
	l->author = net_jstr(l->a->state, "author_urn");
	return NET_OK;
}

/* The progress of one post: {"post": urn, "comment": urn, "at": ms},
 * created (and old entries dropped) when create is set. */
static json_t *progress_of(struct net_account *a, const char *key, int create)
{
	return net_progress(a, "progress", key, create, LI.max_progress, LI.progress_ttl_ms);
}

static void record(struct net_account *a, const char *key, const char *what, const char *urn)
{
	json_object_set_new(progress_of(a, key, 1), what, json_string(urn));
	a->state_changed = 1;
	net_checkpoint(a); /* the post made is on disk before its comment is sent */
}

static const char *recorded(struct net_account *a, const char *key, const char *what)
{
	return net_jstr(progress_of(a, key, 0), what);
}

/* ---- what to send -------------------------------------------------------- */

/* The commentary as LinkedIn gets it: the link after the text when the
 * text lacks it, every reserved character escaped. NULL with r filled.
 * Caller frees. */
static char *commentary_of(const struct net_post *p, struct net_result *r)
{
	const char *t = p->text ? p->text : "";
	struct buf b = BUF_INIT(0);
	buf_adds(&b, t);
	if (p->link && *p->link && !strstr(t, p->link))
		buf_addf(&b, "%s%s", *t ? "\n\n" : "", p->link);
	char *esc = adapt_linkedin_escape(buf_cstr(&b));
	buf_free(&b);
	size_t chars = 0;
	for (const char *c = esc; *c; c++)
		chars += ((unsigned char)*c & 0xC0) != 0x80;
	if (chars > LI.max_chars) {
		free(esc);
		net_set(r, NET_FAIL, "linkedin.too_long", "the text is longer than LinkedIn's %zu characters once escaped",
		    LI.max_chars);
		return NULL;
	}
	return esc;
}

static int check_post(const struct net_post *p, struct net_result *r)
{
	if (!p->idempotency_key || !*p->idempotency_key) {
		net_set(r, NET_FAIL, "linkedin.no_key", "a LinkedIn post needs an idempotency key");
		return -1;
	}
	if (json_is_array(p->thread) && json_array_size(p->thread) > 0) {
		net_set(r, NET_FAIL, "linkedin.thread_unsupported", "LinkedIn has no threads: make the post one text");
		return -1;
	}
	if (json_array_size(p->media) > LI.max_images) {
		net_set(r, NET_FAIL, "linkedin.too_many_images", "LinkedIn takes at most %zu images per post",
		    LI.max_images);
		return -1;
	}
	size_t i;
	json_t *m;
	json_array_foreach(json_is_array(p->media) ? p->media : NULL, i, m)
	{
		const char *mime = net_jstr(m, "mime");
		if (!mime || (strcmp(mime, "image/jpeg") != 0 && strcmp(mime, "image/png") != 0 && strcmp(mime, "image/gif") != 0)) {
			net_set(r, NET_FAIL, "linkedin.media_unsupported",
			    "kanal posts JPEG, PNG and GIF images to LinkedIn");
			return -1;
		}
		if (!net_jstr(m, "path")) {
			net_set(r, NET_FAIL, "linkedin.media_unreadable", "an image has no file");
			return -1;
		}
	}
	return 0;
}

/* The token goes only to LinkedIn's own upload hosts (or the configured
 * API root's origin, as tests use): never to a URL an answer could point
 * anywhere. */
static int upload_url_trusted(const struct li *l, const char *url)
{
	if (str_starts(url, "https://")) {
		const char *host = url + 8;
		size_t hl = strcspn(host, "/?#");
		const char *suffix = ".linkedin.com";
		size_t sl = strlen(suffix);
		if (hl > sl && strncmp(host + hl - sl, suffix, sl) == 0 && !memchr(host, '@', hl))
			return 1;
	}
	return strncmp(url, l->base, l->base_len) == 0 && url[l->base_len] == '/';
}

/* Register one image (POST /rest/images?action=initializeUpload), then PUT
 * its bytes to the upload URL. Not visible to anyone, so a retry may
 * upload again. */
static enum net_outcome upload_image(struct li *l, json_t *m, char *urn, size_t size, struct net_result *r)
{
	struct buf data = BUF_INIT(0);
	char msg[256];
	int rc = net_read_file(net_jstr(m, "path"), LI.max_image_bytes, &data, msg, sizeof msg);
	if (rc != 0) {
		buf_free(&data);
		net_set(r, NET_FAIL, rc == -2 ? "linkedin.media_too_large" : "linkedin.media_unreadable", "%s", msg);
		return NET_FAIL;
	}
	json_t *body = json_pack("{s:{s:s}}", "initializeUploadRequest", "owner", l->author);
	struct reply rp;
	enum net_outcome o = call_json(l, "/rest/images?action=initializeUpload", body, 0, &rp, r);
	json_decref(body);
	if (o != NET_OK) {
		buf_free(&data);
		return o;
	}
	json_t *v = json_object_get(rp.json, "value");
	const char *up = net_jstr(v, "uploadUrl"), *img = net_jstr(v, "image");
	if (!up || !img || !str_starts(img, "urn:li:image:") || strlen(img) >= size) {
		json_decref(rp.json);
		buf_free(&data);
		net_set(r, NET_RETRY, "linkedin.bad_answer", "initializeUpload answered without an upload URL and image");
		return NET_RETRY;
	}
	if (!upload_url_trusted(l, up)) {
		json_decref(rp.json);
		buf_free(&data);
		net_set(r, NET_FAIL, "linkedin.bad_answer", "initializeUpload named an upload URL outside LinkedIn");
		return NET_FAIL;
	}
	str_copy(urn, img, size);
	struct reply put;
	o = call(l, "PUT", up, 0, "application/octet-stream", data.ptr ? data.ptr : "", data.len, LI.upload_timeout_ms,
		 0, &put, r);
	json_decref(put.json);
	json_decref(rp.json);
	buf_free(&data);
	return o;
}

/* remote_id and remote_url for the post. */
static void result_for(const char *urn, struct net_result *r)
{
	str_copy(r->remote_id, urn, sizeof r->remote_id);
	snprintf(r->remote_url, sizeof r->remote_url, "https://www.linkedin.com/feed/update/%s/", urn);
	r->outcome = NET_OK;
	r->code[0] = r->message[0] = '\0';
}

static enum net_outcome create_post(struct li *l, const struct net_post *p, const char *commentary,
				    struct net_result *r)
{
	json_t *body =
	    json_pack("{s:s, s:s, s:s, s:{s:s, s:[], s:[]}, s:s, s:b}", "author", l->author, "commentary", commentary,
		      "visibility", "PUBLIC", "distribution", "feedDistribution", "MAIN_FEED", "targetEntities",
		      "thirdPartyDistributionChannels", "lifecycleState", "PUBLISHED", "isReshareDisabledByAuthor", 0);
	size_t n = json_array_size(p->media);
	json_t *images = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(p->media, i);
		char urn[200];
		enum net_outcome o = upload_image(l, m, urn, sizeof urn, r);
		if (o != NET_OK) {
			json_decref(images);
			json_decref(body);
			return o;
		}
		json_t *img = json_pack("{s:s}", "id", urn);
		const char *alt = net_jstr(m, "alt");
		if (alt && *alt && strlen(alt) <= LI.max_alt)
			json_object_set_new(img, "altText", json_string(alt));
		json_array_append_new(images, img);
	}
	if (n == 1)
		json_object_set_new(body, "content", json_pack("{s:O}", "media", json_array_get(images, 0)));
	else if (n > 1)
		json_object_set_new(body, "content", json_pack("{s:{s:O}}", "multiImage", "images", images));
	json_decref(images);
	struct reply rp;
	enum net_outcome o = call_json(l, "/rest/posts", body, 1, &rp, r);
	json_decref(body);
	json_decref(rp.json);
	if (o != NET_OK)
		return o;
	if (!str_starts(rp.restli_id, "urn:li:")) {
		net_set(r, NET_UNKNOWN, "linkedin.bad_answer", "LinkedIn answered the post without its URN");
		return NET_UNKNOWN;
	}
	record(l->a, p->idempotency_key, "post", rp.restli_id);
	return NET_OK;
}

static enum net_outcome create_comment(struct li *l, const struct net_post *p, const char *post, struct net_result *r)
{
	char *text = adapt_linkedin_escape(p->first_comment);
	json_t *body = json_pack("{s:s, s:s, s:{s:s}}", "actor", l->author, "object", post, "message", "text", text);
	free(text);
	struct buf path = BUF_INIT(0);
	buf_adds(&path, "/rest/socialActions/");
	add_encoded(&path, post);
	buf_adds(&path, "/comments");
	struct reply rp;
	enum net_outcome o = call_json(l, buf_cstr(&path), body, 1, &rp, r);
	json_decref(body);
	buf_free(&path);
	if (o == NET_OK) {
		const char *urn = rp.restli_id[0] ? rp.restli_id : net_jstr(rp.json, "$URN");
		if (urn && str_starts(urn, "urn:li:comment:"))
			record(l->a, p->idempotency_key, "comment", urn);
		else
			record(l->a, p->idempotency_key, "comment", "made"); /* made, whatever its id */
	} else if (r->message[0]) {
		char m[sizeof r->message];
		snprintf(m, sizeof m, "the first comment: %.200s", r->message);
		str_copy(r->message, m, sizeof r->message);
	}
	json_decref(rp.json);
	return o;
}

static int publish(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct li l;
	if (ctx_init(&l, a, r) != 0 || check_post(p, r) != 0)
		return r->outcome;
	char *commentary = commentary_of(p, r);
	if (!commentary)
		return r->outcome;
	enum net_outcome o = ensure_author(&l, r);
	if (o == NET_OK && !recorded(a, p->idempotency_key, "post"))
		o = create_post(&l, p, commentary, r);
	const char *post = o == NET_OK ? recorded(a, p->idempotency_key, "post") : NULL;
	if (o == NET_OK && p->first_comment && *p->first_comment && !recorded(a, p->idempotency_key, "comment"))
		o = create_comment(&l, p, post, r);
	if (o == NET_OK)
		result_for(post, r);
	free(commentary);
	return o;
}

/* ---- reconciliation: read the author's recent posts back ----------------- */

/* The URN of a recent post of the author with this commentary, made no
 * earlier than since_ms; "" when the read-back shows none. */
static enum net_outcome find_post(struct li *l, const char *commentary, int64_t since_ms, char *out, size_t size,
				  struct net_result *r)
{
	out[0] = '\0';
	struct buf path = BUF_INIT(0);
	buf_adds(&path, "/rest/posts?author=");
	add_encoded(&path, l->author);
	buf_addf(&path, "&q=author&count=%d&sortBy=LAST_MODIFIED", LI.readback);
	struct reply rp;
	enum net_outcome o = call(l, "GET", buf_cstr(&path), 1, NULL, NULL, 0, LI.timeout_ms, 0, &rp, r);
	buf_free(&path);
	if (o != NET_OK)
		return o;
	json_t *els = json_object_get(rp.json, "elements");
	if (!json_is_array(els)) {
		json_decref(rp.json);
		net_set(r, NET_RETRY, "linkedin.bad_answer", "the posts finder answered without elements");
		return NET_RETRY;
	}
	size_t i;
	json_t *e;
	json_array_foreach(els, i, e)
	{
		const char *id = net_jstr(e, "id"), *c = net_jstr(e, "commentary");
		json_int_t at = json_integer_value(json_object_get(e, "createdAt"));
		if (id && c && str_starts(id, "urn:li:") && strcmp(c, commentary) == 0 && at >= since_ms) {
			str_copy(out, id, size);
			break;
		}
	}
	json_decref(rp.json);
	return NET_OK;
}

/* Whether the post has a comment of the author with this text. */
static enum net_outcome find_comment(struct li *l, const char *post, const char *text, char *out, size_t size,
				     struct net_result *r)
{
	out[0] = '\0';
	struct buf path = BUF_INIT(0);
	buf_adds(&path, "/rest/socialActions/");
	add_encoded(&path, post);
	buf_addf(&path, "/comments?count=%d", LI.readback);
	struct reply rp;
	enum net_outcome o = call(l, "GET", buf_cstr(&path), 0, NULL, NULL, 0, LI.timeout_ms, 0, &rp, r);
	buf_free(&path);
	if (o != NET_OK)
		return o;
	char *want = adapt_linkedin_escape(text);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(rp.json, "elements"), i, e)
	{
		const char *actor = net_jstr(e, "actor"), *t = net_jstr(json_object_get(e, "message"), "text");
		const char *urn = net_jstr(e, "$URN");
		if (actor && t && strcmp(actor, l->author) == 0 && strcmp(t, want) == 0) {
			str_copy(out, urn && *urn ? urn : "made", size);
			break;
		}
	}
	free(want);
	json_decref(rp.json);
	return NET_OK;
}

static int find_published(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct li l;
	if (ctx_init(&l, a, r) != 0 || check_post(p, r) != 0)
		return -1;
	char *commentary = commentary_of(p, r);
	if (!commentary)
		return -1;
	int want_comment = p->first_comment && *p->first_comment;
	enum net_outcome o = ensure_author(&l, r);
	char found[256];
	if (o == NET_OK && !recorded(a, p->idempotency_key, "post")) {
		int64_t since = (p->created_at_ms > 0 ? p->created_at_ms : time_now_ms()) - LI.readback_slack_ms;
		o = find_post(&l, commentary, since, found, sizeof found, r);
		if (o == NET_OK && found[0])
			record(a, p->idempotency_key, "post", found);
	}
	const char *post = recorded(a, p->idempotency_key, "post");
	if (o == NET_OK && post && want_comment && !recorded(a, p->idempotency_key, "comment")) {
		o = find_comment(&l, post, p->first_comment, found, sizeof found, r);
		if (o == NET_OK && found[0])
			record(a, p->idempotency_key, "comment", found);
	}
	free(commentary);
	if (o != NET_OK) {
		char m[sizeof r->message];
		snprintf(m, sizeof m, "cannot read the author's posts back: %.200s", r->message);
		str_copy(r->message, m, sizeof r->message);
		return -1;
	}
	if (post && (!want_comment || recorded(a, p->idempotency_key, "comment"))) {
		result_for(post, r);
		return 1;
	}
	r->outcome = NET_RETRY;
	snprintf(r->message, sizeof r->message, "%s",
		 post ? "the post is on LinkedIn, its first comment is not" : "the post is not on LinkedIn");
	return 0;
}

static int remove_post(struct net_account *a, const char *remote_id, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct li l;
	if (ctx_init(&l, a, r) != 0)
		return r->outcome;
	if (!remote_id || !(str_starts(remote_id, "urn:li:share:") || str_starts(remote_id, "urn:li:ugcPost:")) ||
	    strlen(remote_id) > 100) {
		net_set(r, NET_FAIL, "linkedin.invalid_id", "not a LinkedIn post URN");
		return r->outcome;
	}
	struct buf path = BUF_INIT(0);
	buf_adds(&path, "/rest/posts/");
	add_encoded(&path, remote_id);
	struct reply rp;
	enum net_outcome o = call(&l, "DELETE", buf_cstr(&path), 0, NULL, NULL, 0, LI.timeout_ms, 1, &rp, r);
	buf_free(&path);
	json_decref(rp.json);
	if (o == NET_OK) {
		r->outcome = NET_OK;
		r->code[0] = r->message[0] = '\0';
		str_copy(r->remote_id, remote_id, sizeof r->remote_id);
	}
	return o;
}

/* Static: LinkedIn publishes no per-member limits. */
static int limits(struct net_account *a, json_t **out, struct net_result *r)
{
	(void)a;
	(void)r;
	*out = json_pack("{s:I, s:s, s:I, s:I, s:b}", "max_chars", (json_int_t)LI.max_chars, "counting",
			 "characters_escaped", "max_media", (json_int_t)LI.max_images, "max_image_bytes",
			 (json_int_t)LI.max_image_bytes, "threads", 0);
	return 0;
}

const struct connector conn_linkedin = {
    .network = "linkedin",
    .publish = publish,
    .find_published = find_published,
    .remove = remove_post,
    .limits = limits,
    .refresh = oauth2_refresh_account, /* net/oauth2.c: the network's documented renewal */
};
