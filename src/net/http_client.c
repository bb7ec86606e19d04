/* http_client: libcurl behind one call, with the SSRF guard checked on the
 * resolved address when each socket opens (so redirects and DNS answers
 * are checked too), capped time and size, and a clear error for each way a
 * request can fail. */
#include "net/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "base/time.h"

static int allow_loopback;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void read_env(void)
{
	const char *v = getenv("KANAL_NET_ALLOW_LOOPBACK");
	allow_loopback = v && strcmp(v, "1") == 0;
}

int http_client_loopback_allowed(void)
{
	pthread_once(&env_once, read_env);
	return allow_loopback;
}

int http_client_init(void)
{
	pthread_once(&env_once, read_env);
	if (allow_loopback)
		log_warn("KANAL_NET_ALLOW_LOOPBACK=1: outbound requests may reach loopback (tests only)");
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void http_client_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- the SSRF guard -------------------------------------------------- */

/* IPv4 special-purpose ranges (RFC 6890 and successors), host order. */
static int v4_blocked(uint32_t a, int loopback_ok)
{
	static const struct {
		uint32_t net, mask;
	} ranges[] = {
		{0x00000000, 0xff000000}, /* 0.0.0.0/8 "this network" */
		{0x0a000000, 0xff000000}, /* 10/8 private */
		{0x64400000, 0xffc00000}, /* 100.64/10 CGNAT */
		{0xa9fe0000, 0xffff0000}, /* 169.254/16 link-local (cloud metadata) */
		{0xac100000, 0xfff00000}, /* 172.16/12 private */
		{0xc0000000, 0xffffff00}, /* 192.0.0/24 IETF protocol assignments */
		{0xc0000200, 0xffffff00}, /* 192.0.2/24 TEST-NET-1 */
		{0xc0586300, 0xffffff00}, /* 192.88.99/24 6to4 relay */
		{0xc0a80000, 0xffff0000}, /* 192.168/16 private */
		{0xc6120000, 0xfffe0000}, /* 198.18/15 benchmarking */
		{0xc6336400, 0xffffff00}, /* 198.51.100/24 TEST-NET-2 */
		{0xcb007100, 0xffffff00}, /* 203.0.113/24 TEST-NET-3 */
		{0xe0000000, 0xf0000000}, /* 224/4 multicast */
		{0xf0000000, 0xf0000000}, /* 240/4 reserved, and the broadcast address */
	};
	if ((a & 0xff000000) == 0x7f000000) /* 127/8 loopback */
		return !loopback_ok;
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if ((a & ranges[i].mask) == ranges[i].net)
			return 1;
	return 0;
}

static int v6_blocked(const unsigned char *b, int loopback_ok)
{
	static const unsigned char zero[16];
	/* :: and ::1 */
	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
		return b[15] == 1 ? !loopback_ok : 1;
	/* IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96: judge the IPv4
	 * address inside, never let the spelling decide */
	if (memcmp(b, zero, 10) == 0 && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0))) {
		uint32_t a = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
		return v4_blocked(a, loopback_ok);
	}
	/* 64:ff9b::/96 NAT64 with an embedded IPv4 address */
	if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && memcmp(b + 4, zero, 8) == 0) {
		uint32_t a = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
		return v4_blocked(a, loopback_ok);
	}
	if (b[0] == 0xff)                                  /* ff00::/8 multicast */
		return 1;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)        /* fe80::/10 link-local */
		return 1;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)        /* fec0::/10 site-local (deprecated) */
		return 1;
	if ((b[0] & 0xfe) == 0xfc)                         /* fc00::/7 unique local */
		return 1;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* 2001:db8::/32 documentation */
		return 1;
	if (b[0] == 0x20 && b[1] == 0x02)                  /* 2002::/16 6to4: may wrap any IPv4 */
		return 1;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) /* 2001::/32 Teredo */
		return 1;
	if (b[0] == 0x01 && memcmp(b + 1, zero, 7) == 0)   /* 100::/64 discard */
		return 1;
	return 0;
}

int http_addr_blocked(const struct sockaddr *sa, int loopback_ok)
{
	if (!sa)
		return 1;
	if (sa->sa_family == AF_INET)
		return v4_blocked(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr), loopback_ok);
	if (sa->sa_family == AF_INET6)
		return v6_blocked(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, loopback_ok);
	return 1; /* unix sockets and anything else */
}

/* ---- one request ----------------------------------------------------- */

struct call {
	struct http_response *rs;
	size_t max;
	int too_large;
	int blocked;
	char blocked_addr[INET6_ADDRSTRLEN];
};

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct call *c = clientp;
	if (purpose != CURLSOCKTYPE_IPCXN || http_addr_blocked(&addr->addr, http_client_loopback_allowed())) {
		c->blocked = 1;
		if (addr->family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&addr->addr)->sin_addr, c->blocked_addr,
				  sizeof c->blocked_addr);
		else if (addr->family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&addr->addr)->sin6_addr, c->blocked_addr,
				  sizeof c->blocked_addr);
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct call *c = ud;
	size_t len = size * n;
	if (c->rs->body.len + len > c->max) {
		c->too_large = 1;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	buf_add(&c->rs->body, p, len);
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct call *c = ud;
	size_t len = size * n;
	/* A new status line (a redirect, 100 Continue): keep only the last
	 * answer's headers. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		buf_reset(&c->rs->headers);
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t nl = (size_t)(colon - p);
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	if (c->rs->headers.len + nl + (size_t)(end - v) + 3 > 64 * 1024)
		return len; /* more headers than anyone needs: drop the rest */
	for (size_t i = 0; i < nl; i++) {
		char ch = p[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		buf_add(&c->rs->headers, &ch, 1);
	}
	buf_adds(&c->rs->headers, ": ");
	/* header values never hold a newline here: it separates entries */
	for (const char *q = v; q < end; q++)
		buf_add(&c->rs->headers, *q == '\n' || *q == '\r' ? " " : q, 1);
	buf_adds(&c->rs->headers, "\n");
	return len;
}

const char *http_response_header(const struct http_response *rs, const char *name, char *out, size_t size)
{
	const char *h = buf_cstr(&rs->headers);
	size_t nl = strlen(name);
	while (*h) {
		const char *eol = strchr(h, '\n');
		if (!eol)
			break;
		if ((size_t)(eol - h) > nl + 1 && strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
			const char *v = h + nl + 2;
			size_t vl = (size_t)(eol - v);
			if (vl >= size)
				vl = size - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return out;
		}
		h = eol + 1;
	}
	return NULL;
}

static int64_t parse_retry_after(const struct http_response *rs)
{
	char v[128];
	if (!http_response_header(rs, "retry-after", v, sizeof v))
		return 0;
	long long secs;
	if (str_to_i64(v, &secs) == 0)
		return secs > 0 && secs < 86400 * 7 ? secs * 1000 : 0;
	time_t at = curl_getdate(v, NULL);
	if (at <= 0)
		return 0;
	int64_t d = (int64_t)at * 1000 - time_now_ms();
	return d > 0 && d < 86400LL * 7 * 1000 ? d : 0;
}

static int fail(struct http_response *rs, enum http_client_error err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct http_response *rs, enum http_client_error err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rs->error = err;
	vsnprintf(rs->message, sizeof rs->message, fmt, ap);
	va_end(ap);
	return -1;
}

int http_client_do(const struct http_request *rq, struct http_response *rs)
{
	memset(rs, 0, sizeof *rs);
	if (!rq->url || !(str_starts(rq->url, "http://") || str_starts(rq->url, "https://")))
		return fail(rs, HTTPC_BLOCKED, "%s", "only http and https URLs are allowed");
	struct call c = {.rs = rs, .max = rq->max_response ? rq->max_response : HTTP_CLIENT_MAX_RESPONSE};
	CURL *h = curl_easy_init();
	if (!h)
		return fail(rs, HTTPC_OTHER, "%s", "cannot start a request");
	struct curl_slist *hdrs = NULL;
	/* No "Expect: 100-continue" round trip before bodies. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (const char *const *p = rq->headers; p && *p; p++)
		hdrs = curl_slist_append(hdrs, *p);
	const char *method = rq->method ? rq->method : "GET";
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, rq->max_redirects > 0 ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)(rq->max_redirects > 0 ? rq->max_redirects : 0));
	curl_easy_setopt(h, CURLOPT_PROXY, ""); /* never a proxy from the environment */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : (long)HTTP_CLIENT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : (long)HTTP_CLIENT_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "kanal/" KANAL_VERSION);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? (const char *)rq->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_off_t up = 0;
	long reqsize = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &reqsize);
	rs->status = status;
	rs->sent = status > 0 || (reqsize > 0 && (size_t)up >= (rq->body ? rq->body_len : 0));
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	int ret = 0;
	if (cc == CURLE_OK) {
		/* Connected to an allowed address (another one the name had may
		 * have been refused on the way). */
		rs->retry_after_ms = parse_retry_after(rs);
		return 0;
	}
	if (c.blocked) {
		ret = fail(rs, HTTPC_BLOCKED, "the address %s is not allowed (private, loopback or special-purpose)",
			   c.blocked_addr[0] ? c.blocked_addr : "?");
		rs->sent = 0;
	} else if (c.too_large) {
		ret = fail(rs, HTTPC_TOO_LARGE, "%s", "the answer is larger than allowed");
	} else if (cc == CURLE_COULDNT_RESOLVE_HOST) {
		ret = fail(rs, HTTPC_RESOLVE, "%s", "the host name does not resolve");
		rs->sent = 0;
	} else if (cc == CURLE_COULDNT_CONNECT) {
		ret = fail(rs, HTTPC_CONNECT, "%s", "cannot connect");
		rs->sent = 0;
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		ret = fail(rs, HTTPC_TIMEOUT, "%s", rs->sent ? "no answer in time (the request was sent)"
							 : "timed out before the request was sent");
	} else if (cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_PEER_FAILED_VERIFICATION ||
		   cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM) {
		ret = fail(rs, HTTPC_TLS, "TLS failed: %s", curl_easy_strerror(cc));
		rs->sent = 0;
	} else if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT) {
		ret = fail(rs, HTTPC_BLOCKED, "not an allowed URL: %s", curl_easy_strerror(cc));
		rs->sent = 0;
	} else if (cc == CURLE_TOO_MANY_REDIRECTS) {
		ret = fail(rs, HTTPC_OTHER, "%s", "too many redirects");
	} else {
		ret = fail(rs, HTTPC_OTHER, "%s", curl_easy_strerror(cc));
	}
	return ret;
}

void http_response_free(struct http_response *rs)
{
	buf_free(&rs->body);
	buf_free(&rs->headers);
}
