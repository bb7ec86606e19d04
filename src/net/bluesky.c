/* bluesky: publish to Bluesky through the account's PDS (XRPC), exactly
 * once: each part of a post has a record key derived from the variant's
 * idempotency key, so that a retry collides with what an earlier attempt
 * created, and getRecord on that key decides. See net/bluesky.h for what
 * the engine passes in, ../shared/NETWORKS.md for the calls. */
#include "net/bluesky.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/time.h"
#include "net/http_client.h"
#include "net/netutil.h"
#include "text/text.h"

/* Every limit and constant in one place. */
static const struct {
	const char *default_pds;
	const char *web; /* where remote_url points */
	const char *collection;
	size_t max_images;	/* per post */
	size_t max_blob;	/* bytes per image blob */
	size_t max_parts;	/* a thread longer than this is refused */
	long timeout_ms;	/* one XRPC call */
	long upload_timeout_ms; /* uploadBlob */
	int64_t max_retry_after_ms;
	uint64_t tid_epoch_us; /* TIDs derived from keys fall in */
	uint64_t tid_span_us;  /* [epoch, epoch + span) */
} BSKY = {
    .default_pds = "https://bsky.social",
    .web = "https://bsky.app",
    .collection = "app.bsky.feed.post",
    .max_images = 4,
    .max_blob = 1000000,
    .max_parts = 100,
    .timeout_ms = 15000,
    .upload_timeout_ms = 60000,
    .max_retry_after_ms = 86400LL * 1000,
    .tid_epoch_us = 1672531200ULL * 1000000ULL, /* 2023-01-01T00:00:00Z */
    .tid_span_us = 1ULL << 45,			/* about 407 days: always in the past */
};

/* ---- record keys ------------------------------------------------------ */

static const char tid_alphabet[] = "234567abcdefghijklmnopqrstuvwxyz";

void bluesky_rkey(const char *key, int part, char out[14])
{
	struct crypto_sha256 h;
	char hex[65], suffix[32] = "";
	if (part > 0)
		snprintf(suffix, sizeof suffix, "/%d", part);
	else if (part < 0)
		snprintf(suffix, sizeof suffix, "/comment");
	crypto_sha256_init(&h);
	crypto_sha256_update(&h, "kanal-bluesky-rkey\n", 19);
	crypto_sha256_update(&h, key ? key : "", key ? strlen(key) : 0);
	crypto_sha256_update(&h, suffix, strlen(suffix));
	crypto_sha256_final_hex(&h, hex);
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		char c = hex[i];
		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	/* A TID: 0 | 53 bits of microseconds since the epoch | 10 bits of
	 * clock id, in base32-sortable, 13 characters. */
	uint64_t us = BSKY.tid_epoch_us + (v >> 10) % BSKY.tid_span_us;
	uint64_t tid = us << 10 | (v & 0x3ff);
	for (int i = 12; i >= 0; i--) {
		out[i] = tid_alphabet[tid & 31];
		tid >>= 5;
	}
	out[13] = '\0';
}

/* ---- one call's context ---------------------------------------------- */

struct bsky {
	struct net_account *a;
	char base[512];
	char did[256];
	char handle[256];
	char access[4096]; /* the access JWT in use */
	int relogged;	   /* one fresh login per call at most */
};

struct reply {
	long status;
	json_t *json;	/* the parsed answer, or NULL */
	char error[64]; /* the XRPC error name, "" on success */
};

static void reply_free(struct reply *rp)
{
	json_decref(rp->json);
	memset(rp, 0, sizeof *rp);
}

static const char *secret(const struct bsky *s, const char *k)
{
	const char *v = net_jstr(s->a->secrets, k);
	return v && *v ? v : NULL;
}

static const char *app_password(const struct bsky *s)
{
	const char *p = secret(s, "app_password");
	return p ? p : secret(s, "password");
}

static void set_result(struct net_result *r, enum net_outcome o, const char *code, const char *msg)
{
	r->outcome = o;
	str_copy(r->code, code ? code : "", sizeof r->code);
	str_copy(r->message, msg ? msg : "", sizeof r->message);
}

/* A message safe to show: the network's words with anything that looks
 * like a credential (a JWT, an app password, the account's own secrets)
 * replaced. */
static void safe_message(const struct bsky *s, const char *in, char *out, size_t size)
{
	struct buf b = BUF_INIT(4096);
	const char *secrets[4] = {s->access, app_password(s), net_jstr(s->a->state, "refreshJwt"),
				  net_jstr(s->a->state, "accessJwt")};
	for (const char *p = in ? in : ""; *p;) {
		size_t hit = 0;
		for (size_t i = 0; i < 4 && !hit; i++)
			if (secrets[i] && strlen(secrets[i]) >= 8 && strncmp(p, secrets[i], strlen(secrets[i])) == 0)
				hit = strlen(secrets[i]);
		if (!hit && strncmp(p, "eyJ", 3) == 0) {
			hit = 3;
			while (p[hit] &&
			       (p[hit] == '-' || p[hit] == '_' || p[hit] == '.' || (p[hit] >= '0' && p[hit] <= '9') ||
				(p[hit] >= 'a' && p[hit] <= 'z') || (p[hit] >= 'A' && p[hit] <= 'Z')))
				hit++;
		}
		if (hit) {
			buf_adds(&b, "[redacted]");
			p += hit;
		} else {
			buf_add(&b, p, 1);
			p++;
		}
	}
	str_copy(out, buf_cstr(&b), size);
	buf_free(&b);
}

static void url_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~' || *p == ':') {
			buf_add(b, p, 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_add(b, e, 3);
		}
	}
}

/* ---- one XRPC call ----------------------------------------------------- */

/* The delay a 429 asks for: RateLimit-Reset (epoch seconds), else
 * Retry-After. */
static int64_t rate_limit_wait(const struct http_response *rs)
{
	char v[64];
	long long reset;
	if (http_response_header(rs, "ratelimit-reset", v, sizeof v) && str_to_i64(v, &reset) == 0 && reset > 0) {
		int64_t d = (int64_t)reset * 1000 - time_now_ms();
		if (d < 0)
			d = 0;
		return d < BSKY.max_retry_after_ms ? d : BSKY.max_retry_after_ms;
	}
	return rs->retry_after_ms;
}

/* 1 when the network's error means the credentials are no good. */
static int auth_error(long status, const char *error)
{
	static const char *const names[] = {"InvalidToken",	      "ExpiredToken",	 "AuthRequired",
					    "AuthenticationRequired", "AccountTakedown", "AccountDeactivated",
					    "InvalidPassword"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(error, names[i]) == 0)
			return 1;
	return status == 401;
}

/* Make one call. bearer NULL: unauthenticated. query: already escaped, or
 * NULL. mutating: the call changes something on the network (a failure
 * after sending it leaves us not knowing). Returns NET_OK on a 2xx answer
 * (rp->json set when it was JSON); otherwise fills r with the outcome and
 * rp->error with the network's error name. */
static enum net_outcome call(struct bsky *s, const char *method, const char *nsid, const char *query,
			     const char *bearer, const char *ctype, const void *body, size_t len, long timeout_ms,
			     int mutating, struct reply *rp, struct net_result *r)
{
	memset(rp, 0, sizeof *rp);
	struct buf url = BUF_INIT(0), auth = BUF_INIT(0), ct = BUF_INIT(0);
	buf_addf(&url, "%s/xrpc/%s%s%s", s->base, nsid, query ? "?" : "", query ? query : "");
	const char *headers[4];
	size_t nh = 0;
	headers[nh++] = "Accept: application/json";
	if (bearer && *bearer) {
		buf_addf(&auth, "Authorization: Bearer %s", bearer);
		headers[nh++] = buf_cstr(&auth);
	}
	if (ctype) {
		buf_addf(&ct, "Content-Type: %s", ctype);
		headers[nh++] = buf_cstr(&ct);
	}
	headers[nh] = NULL;
	struct http_request rq = {
	    .method = method,
	    .url = buf_cstr(&url),
	    .headers = headers,
	    .body = body,
	    .body_len = len,
	    .timeout_ms = timeout_ms ? timeout_ms : BSKY.timeout_ms,
	};
	struct http_response rs;
	int rc = http_client_do(&rq, &rs);
	/* the bearer header is wiped before the memory goes back */
	if (auth.ptr)
		memset(auth.ptr, 0, auth.len);
	buf_free(&auth);
	buf_free(&ct);
	buf_free(&url);

	r->http_status = (int)rs.status;
	r->retry_after_ms = 0;
	net_rate_from_headers(&rs, "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", NET_RESET_EPOCH_S,
			      &r->rate[NET_RATE_ACCOUNT]);
	enum net_outcome o;
	if (rc != 0) {
		/* No answer. Sent and mutating: it may have been acted on. */
		switch (rs.error) {
		case HTTPC_BLOCKED:
			o = NET_FAIL;
			break;
		case HTTPC_TIMEOUT:
		case HTTPC_OTHER:
		case HTTPC_TOO_LARGE:
			o = mutating && rs.sent ? NET_UNKNOWN : NET_RETRY;
			break;
		default:
			o = NET_RETRY;
			break;
		}
		static const char *const codes[] = {
		    [HTTPC_OK] = "Ok",		 [HTTPC_BLOCKED] = "Blocked", [HTTPC_RESOLVE] = "Resolve",
		    [HTTPC_CONNECT] = "Connect", [HTTPC_TIMEOUT] = "Timeout", [HTTPC_TOO_LARGE] = "TooLarge",
		    [HTTPC_TLS] = "Tls",	 [HTTPC_OTHER] = "Network",
		};
		set_result(r, o, (unsigned)rs.error < sizeof codes / sizeof codes[0] ? codes[rs.error] : "Network",
			   rs.message);
		http_response_free(&rs);
		return o;
	}
	rp->status = rs.status;
	if (rs.body.len) {
		json_error_t je;
		rp->json = json_loadb(rs.body.ptr, rs.body.len, 0, &je);
	}
	if (rs.status >= 200 && rs.status < 300) {
		http_response_free(&rs);
		return NET_OK;
	}
	const char *error = net_jstr(rp->json, "error"), *message = net_jstr(rp->json, "message");
	str_copy(rp->error, error ? error : "", sizeof rp->error);
	char msg[256];
	safe_message(s, message ? message : error ? error : "", msg, sizeof msg);
	if (!*msg)
		snprintf(msg, sizeof msg, "%s answered HTTP %ld", nsid, rs.status);
	if (rs.status == 429 || strcmp(rp->error, "RateLimitExceeded") == 0) {
		o = NET_RETRY;
		set_result(r, o, *rp->error ? rp->error : "RateLimitExceeded", msg);
		r->retry_after_ms = rate_limit_wait(&rs);
	} else if (auth_error(rs.status, rp->error)) {
		o = NET_AUTH;
		set_result(r, o, *rp->error ? rp->error : "AuthRequired", msg);
	} else if (rs.status >= 500 || rs.status == 408) {
		o = NET_RETRY;
		set_result(r, o, *rp->error ? rp->error : "ServerError", msg);
		r->retry_after_ms = rs.retry_after_ms;
	} else {
		o = NET_FAIL;
		set_result(r, o, *rp->error ? rp->error : "HttpError", msg);
	}
	http_response_free(&rs);
	return o;
}

/* A JSON body for a call. */
static enum net_outcome call_json(struct bsky *s, const char *nsid, const char *bearer, json_t *body, int mutating,
				  struct reply *rp, struct net_result *r)
{
	char *text = json_dumps(body, JSON_COMPACT);
	enum net_outcome o =
	    call(s, "POST", nsid, NULL, bearer, "application/json", text, strlen(text), 0, mutating, rp, r);
	/* bodies may carry a password */
	memset(text, 0, strlen(text));
	free(text);
	return o;
}

/* ---- the session ------------------------------------------------------- */

static json_t *state_obj(struct bsky *s)
{
	if (!json_is_object(s->a->state))
		s->a->state = json_object();
	return s->a->state;
}

/* Keep a session answer (createSession / refreshSession) in the state. */
static enum net_outcome keep_session(struct bsky *s, json_t *sess, struct net_result *r)
{
	const char *access = net_jstr(sess, "accessJwt"), *refresh = net_jstr(sess, "refreshJwt");
	const char *did = net_jstr(sess, "did"), *handle = net_jstr(sess, "handle");
	if (!access || !*access || !did || !*did || strlen(access) >= sizeof s->access) {
		set_result(r, NET_RETRY, "BadSession", "the PDS answered without a usable session");
		return NET_RETRY;
	}
	json_t *st = state_obj(s);
	json_object_set_new(st, "accessJwt", json_string(access));
	if (refresh && *refresh) /* never replace a refresh token with nothing */
		json_object_set_new(st, "refreshJwt", json_string(refresh));
	json_object_set_new(st, "did", json_string(did));
	if (handle && *handle)
		json_object_set_new(st, "handle", json_string(handle));
	s->a->state_changed = 1;
	str_copy(s->access, access, sizeof s->access);
	str_copy(s->did, did, sizeof s->did);
	str_copy(s->handle, handle && *handle ? handle : did, sizeof s->handle);
	return NET_OK;
}

/* Log in with the app password (createSession is rate limited: only when
 * there is no usable session). */
static enum net_outcome session_create(struct bsky *s, struct net_result *r)
{
	const char *pw = app_password(s);
	const char *id = secret(s, "identifier");
	if (!id)
		id = s->a->handle;
	if (!pw || !id || !*id) {
		set_result(r, NET_AUTH, "NoCredentials",
			   "no handle and app password to log in with: reconnect the account");
		return NET_AUTH;
	}
	s->relogged = 1;
	json_t *body = json_pack("{s:s, s:s}", "identifier", id, "password", pw);
	struct reply rp;
	enum net_outcome o = call_json(s, "com.atproto.server.createSession", NULL, body, 0, &rp, r);
	json_decref(body);
	if (o == NET_OK)
		o = keep_session(s, rp.json, r);
	else if (o == NET_FAIL && (strcmp(rp.error, "InvalidRequest") == 0 || rp.status == 401))
		o = r->outcome = NET_AUTH; /* a handle or password the PDS does not know */
	reply_free(&rp);
	return o;
}

/* Refresh the session with the refresh token; when the PDS refuses it,
 * log in again. A transient failure is only that: the stored tokens stay. */
static enum net_outcome session_refresh(struct bsky *s, struct net_result *r)
{
	const char *refresh = net_jstr(s->a->state, "refreshJwt");
	if (!refresh || !*refresh)
		return session_create(s, r);
	char tok[4096];
	str_copy(tok, refresh, sizeof tok);
	struct reply rp;
	enum net_outcome o =
	    call(s, "POST", "com.atproto.server.refreshSession", NULL, tok, NULL, NULL, 0, 0, 0, &rp, r);
	memset(tok, 0, sizeof tok);
	if (o == NET_OK) {
		o = keep_session(s, rp.json, r);
	} else if ((o == NET_AUTH || o == NET_FAIL) && !s->relogged) {
		log_info("bluesky: the PDS refused the refresh token (%s); logging in again", rp.error);
		o = session_create(s, r);
	}
	reply_free(&rp);
	return o;
}

static void ctx_init(struct bsky *s, struct net_account *a)
{
	memset(s, 0, sizeof *s);
	s->a = a;
	const char *base = a->base_url && *a->base_url ? a->base_url : BSKY.default_pds;
	str_copy(s->base, base, sizeof s->base);
	size_t n = strlen(s->base);
	while (n > 0 && s->base[n - 1] == '/')
		s->base[--n] = '\0';
}

/* Use the stored session, or log in. */
static enum net_outcome session_ensure(struct bsky *s, struct net_result *r)
{
	const char *access = net_jstr(s->a->state, "accessJwt"), *did = net_jstr(s->a->state, "did");
	if (access && *access && did && *did && strlen(access) < sizeof s->access) {
		const char *handle = net_jstr(s->a->state, "handle");
		str_copy(s->access, access, sizeof s->access);
		str_copy(s->did, did, sizeof s->did);
		str_copy(s->handle, handle && *handle ? handle : did, sizeof s->handle);
		return NET_OK;
	}
	return session_create(s, r);
}

/* An authenticated call: on ExpiredToken, refresh and try once more; on
 * any other refusal of the token, log in again once (with the app
 * password) and try once more. */
static enum net_outcome xrpc(struct bsky *s, const char *method, const char *nsid, const char *ctype, const void *body,
			     size_t len, long timeout_ms, int mutating, struct reply *rp, struct net_result *r)
{
	for (int attempt = 0;; attempt++) {
		enum net_outcome o =
		    call(s, method, nsid, NULL, s->access, ctype, body, len, timeout_ms, mutating, rp, r);
		if (o != NET_AUTH || attempt > 0)
			return o;
		enum net_outcome again;
		if (strcmp(rp->error, "ExpiredToken") == 0)
			again = session_refresh(s, r);
		else if (!s->relogged && app_password(s))
			again = session_create(s, r);
		else
			return o;
		if (again != NET_OK)
			return again;
		reply_free(rp);
	}
}

static enum net_outcome xrpc_json(struct bsky *s, const char *nsid, json_t *body, int mutating, struct reply *rp,
				  struct net_result *r)
{
	char *text = json_dumps(body, JSON_COMPACT);
	enum net_outcome o = xrpc(s, "POST", nsid, "application/json", text, strlen(text), 0, mutating, rp, r);
	free(text);
	return o;
}

/* ---- records ------------------------------------------------------------ */

static void fill_remote(const struct bsky *s, const char *uri, const char *rkey, struct net_result *r)
{
	str_copy(r->remote_id, uri, sizeof r->remote_id);
	snprintf(r->remote_url, sizeof r->remote_url, "%s/profile/%s/post/%s", BSKY.web,
		 *s->handle ? s->handle : s->did, rkey);
}

/* getRecord for one of our rkeys: 1 found (uri and cid copied), 0 not
 * found, -1 cannot tell (r says why). Unauthenticated: reading a public
 * record needs no session. */
static int get_record(struct bsky *s, const char *rkey, char uri[512], char cid[128], struct net_result *r)
{
	struct buf q = BUF_INIT(0);
	buf_adds(&q, "repo=");
	url_escape(&q, s->did);
	buf_addf(&q, "&collection=%s&rkey=", BSKY.collection);
	url_escape(&q, rkey);
	struct reply rp;
	struct net_result tmp = {0};
	enum net_outcome o =
	    call(s, "GET", "com.atproto.repo.getRecord", buf_cstr(&q), NULL, NULL, NULL, 0, 0, 0, &rp, &tmp);
	buf_free(&q);
	int found = -1;
	if (o == NET_OK) {
		const char *u = net_jstr(rp.json, "uri"), *c = net_jstr(rp.json, "cid");
		if (u && c) {
			str_copy(uri, u, 512);
			str_copy(cid, c, 128);
			found = 1;
		} else {
			set_result(r, NET_UNKNOWN, "BadAnswer", "getRecord answered without uri and cid");
		}
	} else if (strcmp(rp.error, "RecordNotFound") == 0 || (rp.status == 404 && !*rp.error)) {
		found = 0;
	} else {
		*r = tmp;
	}
	reply_free(&rp);
	return found;
}

/* createRecord with our rkey. When it fails for any reason but the
 * credentials, getRecord on the same rkey decides: the record is there
 * (an earlier attempt, or this one, made it: the PDS answers a second
 * create with the same rkey with an error) → NET_OK; it is not → the
 * failure stands, except that "unknown" becomes "retry" (a retry with the
 * same rkey cannot duplicate). */
static enum net_outcome put_record(struct bsky *s, const char *rkey, json_t *record, char uri[512], char cid[128],
				   int *existed, struct net_result *r)
{
	*existed = 0;
	json_t *body = json_pack("{s:s, s:s, s:s, s:O}", "repo", s->did, "collection", BSKY.collection, "rkey", rkey,
				 "record", record);
	struct reply rp;
	enum net_outcome o = xrpc_json(s, "com.atproto.repo.createRecord", body, 1, &rp, r);
	json_decref(body);
	if (o == NET_OK) {
		const char *u = net_jstr(rp.json, "uri"), *c = net_jstr(rp.json, "cid");
		if (u && c) {
			str_copy(uri, u, 512);
			str_copy(cid, c, 128);
			reply_free(&rp);
			return NET_OK;
		}
		/* 2xx without the refs: look it up */
		o = NET_UNKNOWN;
		set_result(r, o, "BadAnswer", "createRecord answered without uri and cid");
	}
	reply_free(&rp);
	if (o == NET_AUTH || r->http_status == 429) /* refused before anything was written */
		return o;
	struct net_result failed = *r;
	int found = get_record(s, rkey, uri, cid, r);
	if (found == 1) {
		log_info("bluesky: record %s already exists (the create answered %s): taken as published", rkey,
			 failed.code);
		*existed = 1;
		r->http_status = 200; /* getRecord's */
		return NET_OK;
	}
	*r = failed;
	if (found == 0 && o == NET_UNKNOWN)
		r->outcome = o = NET_RETRY;
	return o;
}

/* ---- building a post ------------------------------------------------------ */

struct handle_did {
	char handle[256];
	char did[256];
};

struct builder {
	struct bsky *s;
	struct handle_did *dids;
	size_t ndids, capdids;
};

/* Resolve a handle to a DID: 1 resolved, 0 no such handle, -1 cannot tell
 * now (r says why). */
static int resolve_handle(struct builder *b, const char *handle, char *did, size_t size, struct net_result *r)
{
	char h[256];
	size_t n = str_copy(h, handle, sizeof h);
	if (n >= sizeof h)
		return 0;
	for (char *p = h; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	for (size_t i = 0; i < b->ndids; i++)
		if (strcmp(b->dids[i].handle, h) == 0) {
			str_copy(did, b->dids[i].did, size);
			return *did ? 1 : 0;
		}
	struct buf q = BUF_INIT(0);
	buf_adds(&q, "handle=");
	url_escape(&q, h);
	struct reply rp;
	struct net_result tmp = {0};
	enum net_outcome o =
	    call(b->s, "GET", "com.atproto.identity.resolveHandle", buf_cstr(&q), NULL, NULL, NULL, 0, 0, 0, &rp, &tmp);
	buf_free(&q);
	int res;
	const char *d = net_jstr(rp.json, "did");
	if (o == NET_OK && d && str_starts(d, "did:")) {
		res = 1;
	} else if (o == NET_FAIL) {
		res = 0; /* "Unable to resolve handle": the text stays, without a mention facet */
		d = "";
	} else {
		*r = tmp;
		reply_free(&rp);
		return -1;
	}
	if (b->ndids == b->capdids) {
		b->capdids = b->capdids ? b->capdids * 2 : 8;
		b->dids = xrealloc(b->dids, b->capdids * sizeof *b->dids);
	}
	str_copy(b->dids[b->ndids].handle, h, sizeof b->dids[b->ndids].handle);
	str_copy(b->dids[b->ndids].did, d, sizeof b->dids[b->ndids].did);
	b->ndids++;
	str_copy(did, d, size);
	reply_free(&rp);
	return res;
}

static json_t *facet(size_t start, size_t end, json_t *feature)
{
	return json_pack("{s:s, s:{s:I, s:I}, s:[o]}", "$type", "app.bsky.richtext.facet", "index", "byteStart",
			 (json_int_t)start, "byteEnd", (json_int_t)end, "features", feature);
}

/* The facets Bluesky's own client would create for text (kanal's text
 * engine detects them exactly as @atproto/api's RichText does), with
 * mentions resolved to DIDs. Returns NET_OK and *out (an array, maybe
 * empty), or fills r. */
static enum net_outcome facets_for(struct builder *b, const char *text, json_t **out, struct net_result *r)
{
	struct text_count tc;
	size_t len = strlen(text);
	*out = NULL;
	if (text_count(NET_BLUESKY, text, len, NULL, &tc) != 0) {
		set_result(r, NET_FAIL, "InvalidText", "the text is not valid UTF-8");
		return NET_FAIL;
	}
	if (!tc.valid) {
		char msg[256];
		snprintf(msg, sizeof msg, "the text is too long for Bluesky (%ld of %ld characters, %zu of 3000 bytes)",
			 tc.length, tc.limit, tc.bytes);
		set_result(r, NET_FAIL, "TextTooLong", msg);
		text_count_free(&tc);
		return NET_FAIL;
	}
	json_t *arr = json_array();
	enum net_outcome o = NET_OK;
	for (size_t i = 0; i < tc.nentities; i++) {
		const struct entity *e = &tc.entities[i];
		const char *p = text + e->byte_start;
		size_t n = e->byte_end - e->byte_start;
		if (e->byte_end > len || n < 2)
			continue;
		if (e->type == ENT_URL) {
			/* as RichText: a match without "http" at the start is a bare domain */
			struct buf uri = BUF_INIT(0);
			if (strncmp(p, "http", 4) != 0)
				buf_adds(&uri, "https://");
			buf_add(&uri, p, n);
			json_array_append_new(arr,
					      facet(e->byte_start, e->byte_end,
						    json_pack("{s:s, s:s}", "$type", "app.bsky.richtext.facet#link",
							      "uri", buf_cstr(&uri))));
			buf_free(&uri);
		} else if (e->type == ENT_MENTION) {
			char handle[256], did[256];
			if (n - 1 >= sizeof handle)
				continue;
			memcpy(handle, p + 1, n - 1);
			handle[n - 1] = '\0';
			int res = resolve_handle(b, handle, did, sizeof did, r);
			if (res < 0) {
				o = r->outcome;
				break;
			}
			if (res == 0) {
				log_info("bluesky: @%s does not resolve: posted as plain text", handle);
				continue;
			}
			json_array_append_new(arr, facet(e->byte_start, e->byte_end,
							 json_pack("{s:s, s:s}", "$type",
								   "app.bsky.richtext.facet#mention", "did", did)));
		} else if (e->type == ENT_HASHTAG) {
			/* the tag without its '#' or '＃' (one code point) */
			size_t skip = 1;
			while (skip < n && ((unsigned char)p[skip] & 0xC0) == 0x80)
				skip++;
			json_t *tag = json_stringn(p + skip, n - skip);
			json_array_append_new(
			    arr, facet(e->byte_start, e->byte_end,
				       json_pack("{s:s, s:o}", "$type", "app.bsky.richtext.facet#tag", "tag", tag)));
		} else if (e->type == ENT_CASHTAG) {
			/* RichText stores a cashtag as a tag "$TICKER", upper-cased */
			char tag[16];
			if (n >= sizeof tag)
				continue;
			for (size_t k = 0; k < n; k++)
				tag[k] = (char)(p[k] >= 'a' && p[k] <= 'z' ? p[k] - 32 : p[k]);
			tag[n] = '\0';
			json_array_append_new(
			    arr, facet(e->byte_start, e->byte_end,
				       json_pack("{s:s, s:s}", "$type", "app.bsky.richtext.facet#tag", "tag", tag)));
		}
	}
	text_count_free(&tc);
	if (o != NET_OK) {
		json_decref(arr);
		return o;
	}
	*out = arr;
	return NET_OK;
}

/* Upload the images of one part; *out is the embed (or NULL when there
 * are none). */
static enum net_outcome images_for(struct builder *b, json_t *media, json_t **out, struct net_result *r)
{
	*out = NULL;
	if (!json_is_array(media) || json_array_size(media) == 0)
		return NET_OK;
	if (json_array_size(media) > BSKY.max_images) {
		char msg[128];
		snprintf(msg, sizeof msg, "Bluesky takes at most %zu images per post", BSKY.max_images);
		set_result(r, NET_FAIL, "TooManyImages", msg);
		return NET_FAIL;
	}
	json_t *images = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(media, i, m)
	{
		const char *path = net_jstr(m, "path"), *mime = net_jstr(m, "mime"), *alt = net_jstr(m, "alt");
		if (!path || !*path) {
			set_result(r, NET_FAIL, "MediaMissing", "an image has no file");
			json_decref(images);
			return NET_FAIL;
		}
		if (!mime || !*mime)
			mime = "application/octet-stream";
		if (!str_starts(mime, "image/")) {
			set_result(r, NET_FAIL, "UnsupportedMedia",
				   "only images can be posted to Bluesky by kanal for now");
			json_decref(images);
			return NET_FAIL;
		}
		struct buf data = BUF_INIT(0);
		char msg[256];
		int rc = net_read_file(path, BSKY.max_blob, &data, msg, sizeof msg);
		if (rc != 0) {
			set_result(r, NET_FAIL, rc == -2 ? "BlobTooLarge" : "MediaUnreadable", msg);
			buf_free(&data);
			json_decref(images);
			return r->outcome;
		}
		struct reply rp;
		/* uploading is idempotent (blobs are addressed by content) */
		enum net_outcome o = xrpc(b->s, "POST", "com.atproto.repo.uploadBlob", mime, data.ptr ? data.ptr : "",
					  data.len, BSKY.upload_timeout_ms, 0, &rp, r);
		buf_free(&data);
		json_t *blob = o == NET_OK ? json_object_get(rp.json, "blob") : NULL;
		if (o == NET_OK && !json_is_object(blob)) {
			o = NET_RETRY;
			set_result(r, o, "BadAnswer", "uploadBlob answered without a blob");
		}
		if (o != NET_OK) {
			reply_free(&rp);
			json_decref(images);
			return o;
		}
		json_t *img = json_pack("{s:s, s:O}", "alt", alt ? alt : "", "image", blob);
		json_t *w = json_object_get(m, "width"), *h = json_object_get(m, "height");
		if (json_is_integer(w) && json_is_integer(h) && json_integer_value(w) > 0 && json_integer_value(h) > 0)
			json_object_set_new(
			    img, "aspectRatio",
			    json_pack("{s:I, s:I}", "width", json_integer_value(w), "height", json_integer_value(h)));
		json_array_append_new(images, img);
		reply_free(&rp);
	}
	*out = json_pack("{s:s, s:o}", "$type", "app.bsky.embed.images", "images", images);
	return NET_OK;
}

/* One part's record, without its reply refs. */
static enum net_outcome build_record(struct builder *b, const struct net_post *p, const char *text, json_t *media,
				     int first, const char *created, json_t **out, struct net_result *r)
{
	*out = NULL;
	json_t *facets = NULL, *embed = NULL;
	enum net_outcome o = facets_for(b, text, &facets, r);
	if (o == NET_OK)
		o = images_for(b, media, &embed, r);
	if (o != NET_OK) {
		json_decref(facets);
		return o;
	}
	json_t *rec = json_pack("{s:s, s:s, s:s}", "$type", BSKY.collection, "text", text, "createdAt", created);
	if (p->lang && *p->lang)
		json_object_set_new(rec, "langs", json_pack("[s]", p->lang));
	if (json_array_size(facets))
		json_object_set(rec, "facets", facets);
	json_decref(facets);
	/* A link not already in the text, on a post without images: a card. */
	if (!embed && first && p->link && *p->link && !strstr(text, p->link))
		embed = json_pack("{s:s, s:{s:s, s:s, s:s}}", "$type", "app.bsky.embed.external", "external", "uri",
				  p->link, "title", p->link, "description", "");
	if (embed)
		json_object_set_new(rec, "embed", embed);
	*out = rec;
	return NET_OK;
}

struct part {
	const char *text;
	json_t *media;
	int index; /* for the rkey: 0, 1.., -1 for the first comment */
	json_t *record;
	char rkey[14];
	char uri[512], cid[128];
};

/* The parts of a post: the post, its thread, its first comment. */
static size_t collect_parts(const struct net_post *p, struct part *parts, size_t max, struct net_result *r)
{
	size_t n = 0;
	parts[n++] = (struct part){.text = p->text ? p->text : "", .media = p->media, .index = 0};
	size_t i;
	json_t *t;
	json_array_foreach(json_is_array(p->thread) ? p->thread : NULL, i, t)
	{
		if (n + 1 >= max) {
			set_result(r, NET_FAIL, "ThreadTooLong", "the thread has too many parts");
			return 0;
		}
		const char *text = json_is_string(t) ? json_string_value(t) : net_jstr(t, "text");
		json_t *media = json_is_object(t) ? json_object_get(t, "media") : NULL;
		if (!text) {
			set_result(r, NET_FAIL, "InvalidThread", "a part of the thread has no text");
			return 0;
		}
		parts[n] = (struct part){.text = text, .media = media, .index = (int)n};
		n++;
	}
	if (p->first_comment && *p->first_comment)
		parts[n++] = (struct part){.text = p->first_comment, .index = -1};
	for (size_t k = 0; k < n; k++)
		bluesky_rkey(p->idempotency_key, parts[k].index, parts[k].rkey);
	return n;
}

static int check_key(const struct net_post *p, struct net_result *r)
{
	if (p->idempotency_key && *p->idempotency_key)
		return 0;
	set_result(r, NET_FAIL, "NoIdempotencyKey",
		   "a Bluesky post needs an idempotency key (its record keys come from it)");
	return -1;
}

static void free_parts(struct part *parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(parts[i].record);
	free(parts);
}

static int bsky_publish(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	if (check_key(p, r) != 0)
		return r->outcome;
	struct bsky s;
	ctx_init(&s, a);
	struct part *parts = xcalloc(BSKY.max_parts + 1, sizeof *parts);
	size_t n = collect_parts(p, parts, BSKY.max_parts + 1, r);
	enum net_outcome o = n == 0 ? r->outcome : session_ensure(&s, r);
	if (o != NET_OK) {
		free(parts);
		return o;
	}

	/* Build every record (facets, uploads) before creating any, so that a
	 * refused part does not leave half a thread. */
	int64_t at = p->created_at_ms > 0 ? p->created_at_ms : time_now_ms();
	struct builder b = {.s = &s};
	for (size_t i = 0; i < n && o == NET_OK; i++) {
		/* a millisecond apart, so that the parts sort in order */
		char created[40];
		time_fmt_rfc3339(at + (int64_t)i, created, sizeof created);
		o = build_record(&b, p, parts[i].text, parts[i].media, i == 0, created, &parts[i].record, r);
	}
	free(b.dids);
	if (o != NET_OK) {
		free_parts(parts, n);
		return o;
	}

	size_t nexisted = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			/* a thread part replies to the one before it; the first
			 * comment to the post */
			const struct part *root = &parts[0], *parent = parts[i].index < 0 ? root : &parts[i - 1];
			json_object_set_new(parts[i].record, "reply",
					    json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}", "root", "uri", root->uri, "cid",
						      root->cid, "parent", "uri", parent->uri, "cid", parent->cid));
		}
		struct net_result keep = *r;
		int existed;
		o = put_record(&s, parts[i].rkey, parts[i].record, parts[i].uri, parts[i].cid, &existed, r);
		nexisted += existed;
		if (o != NET_OK) {
			if (i > 0) {
				str_copy(r->remote_id, keep.remote_id, sizeof r->remote_id);
				str_copy(r->remote_url, keep.remote_url, sizeof r->remote_url);
			}
			free_parts(parts, n);
			return o;
		}
		if (i == 0)
			fill_remote(&s, parts[0].uri, parts[0].rkey, r);
	}
	free_parts(parts, n);
	r->outcome = NET_OK;
	r->code[0] = r->message[0] = '\0';
	if (nexisted == n) {
		/* nothing new: an earlier attempt had published it all */
		str_copy(r->code, "AlreadyPublished", sizeof r->code);
		str_copy(r->message, "an earlier attempt had already published this post", sizeof r->message);
	} else if (nexisted) {
		str_copy(r->code, "Completed", sizeof r->code);
		str_copy(r->message, "an earlier attempt had published part of this thread; the rest was added",
			 sizeof r->message);
	}
	return NET_OK;
}

/* The account's DID without logging in when possible: the stored session,
 * else resolveHandle. */
static enum net_outcome account_did(struct bsky *s, struct net_result *r)
{
	const char *did = net_jstr(s->a->state, "did"), *handle = net_jstr(s->a->state, "handle");
	if (did && *did) {
		str_copy(s->did, did, sizeof s->did);
		str_copy(s->handle, handle && *handle ? handle : did, sizeof s->handle);
		return NET_OK;
	}
	if (s->a->handle && str_starts(s->a->handle, "did:")) {
		str_copy(s->did, s->a->handle, sizeof s->did);
		str_copy(s->handle, s->a->handle, sizeof s->handle);
		return NET_OK;
	}
	struct builder b = {.s = s};
	int res = s->a->handle ? resolve_handle(&b, s->a->handle, s->did, sizeof s->did, r) : 0;
	free(b.dids);
	if (res == 1) {
		str_copy(s->handle, s->a->handle, sizeof s->handle);
		return NET_OK;
	}
	if (res == 0)
		return session_ensure(s, r);
	return r->outcome;
}

static int bsky_find_published(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	if (check_key(p, r) != 0)
		return -1;
	struct bsky s;
	ctx_init(&s, a);
	struct part *parts = xcalloc(BSKY.max_parts + 1, sizeof *parts);
	size_t n = collect_parts(p, parts, BSKY.max_parts + 1, r);
	int ret = 1;
	if (n == 0 || account_did(&s, r) != NET_OK)
		ret = -1;
	for (size_t i = 0; ret == 1 && i < n; i++) {
		int f = get_record(&s, parts[i].rkey, parts[i].uri, parts[i].cid, r);
		if (f < 0) {
			ret = -1;
		} else if (f == 0) {
			ret = 0;
			/* the post is there, not all of its thread: a publish
			 * with the same key completes it without duplicating */
			if (i > 0)
				set_result(r, NET_RETRY, "PartiallyPublished",
					   "the post is published, not all of its thread");
		} else if (i == 0) {
			fill_remote(&s, parts[0].uri, parts[0].rkey, r);
		}
	}
	free_parts(parts, n);
	if (ret == 1)
		r->outcome = NET_OK;
	return ret;
}

static int bsky_remove(struct net_account *a, const char *remote_id, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	/* at://did/collection/rkey */
	char did[256], coll[128], rkey[128];
	if (!remote_id || sscanf(remote_id, "at://%255[^/]/%127[^/]/%127s", did, coll, rkey) != 3) {
		set_result(r, NET_FAIL, "InvalidId", "not an at:// record URI");
		return r->outcome;
	}
	struct bsky s;
	ctx_init(&s, a);
	enum net_outcome o = session_ensure(&s, r);
	if (o != NET_OK)
		return o;
	if (strcmp(did, s.did) != 0) {
		set_result(r, NET_FAIL, "NotOwnRecord", "the record belongs to another account");
		return r->outcome;
	}
	json_t *body = json_pack("{s:s, s:s, s:s}", "repo", did, "collection", coll, "rkey", rkey);
	struct reply rp;
	o = xrpc_json(&s, "com.atproto.repo.deleteRecord", body, 1, &rp, r);
	json_decref(body);
	reply_free(&rp);
	if (o == NET_OK) {
		r->outcome = NET_OK;
		r->code[0] = r->message[0] = '\0';
		str_copy(r->remote_id, remote_id, sizeof r->remote_id);
	}
	return o;
}

static int bsky_refresh(struct net_account *a, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct bsky s;
	ctx_init(&s, a);
	enum net_outcome o = session_refresh(&s, r);
	if (o == NET_OK) {
		r->outcome = NET_OK;
		r->code[0] = r->message[0] = '\0';
	}
	return o;
}

/* Bluesky publishes no per-account limits: the app view's (300 graphemes,
 * 4 images of at most BSKY.max_blob bytes each). */
static int bsky_limits(struct net_account *a, json_t **out, struct net_result *r)
{
	(void)a;
	(void)r;
	*out = json_pack("{s:i, s:s, s:I, s:I}", "max_chars", 300, "counting", "graphemes", "max_media",
			 (json_int_t)BSKY.max_images, "max_image_bytes", (json_int_t)BSKY.max_blob);
	return 0;
}

const struct connector conn_bluesky = {
    .network = "bluesky",
    .limits = bsky_limits,
    .publish = bsky_publish,
    .find_published = bsky_find_published,
    .remove = bsky_remove,
    .refresh = bsky_refresh,
};
