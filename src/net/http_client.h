/* http_client: outbound HTTP for the connectors, over libcurl (easy
 * interface, one handle per call). Every request passes the SSRF guard at
 * connect time: the address the name resolved to is checked when the
 * socket is opened (CURLOPT_OPENSOCKETFUNCTION), so that a DNS answer or a
 * redirect can never reach loopback, private, link-local, CGNAT,
 * multicast, unspecified or IPv4-mapped addresses. Only http and https;
 * no proxy from the environment; time and response size are capped.
 * Tests on loopback set KANAL_NET_ALLOW_LOOPBACK=1 (127.0.0.0/8 and ::1
 * only; every other range stays blocked). */
#ifndef KANAL_HTTP_CLIENT_H
#define KANAL_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/buf.h"

#define HTTP_CLIENT_MAX_RESPONSE ((size_t)1 << 20) /* default response cap */
#define HTTP_CLIENT_TIMEOUT_MS 15000               /* default total time */
#define HTTP_CLIENT_CONNECT_MS 5000                /* default connect time */

enum http_client_error {
	HTTPC_OK = 0,       /* an HTTP answer arrived (any status) */
	HTTPC_BLOCKED,      /* the SSRF guard refused the address, or the URL/scheme */
	HTTPC_RESOLVE,      /* the name did not resolve */
	HTTPC_CONNECT,      /* no connection: nothing was sent */
	HTTPC_TIMEOUT,      /* the time cap passed (see sent) */
	HTTPC_TOO_LARGE,    /* the answer passed max_response */
	HTTPC_TLS,          /* TLS handshake or certificate failure */
	HTTPC_OTHER,        /* anything else curl reports */
};

struct http_request {
	const char *method;            /* "GET", "POST", ... */
	const char *url;               /* http:// or https:// only */
	const char *const *headers;    /* "Name: value" strings, NULL-terminated; may be NULL */
	const void *body;              /* may be NULL */
	size_t body_len;
	long timeout_ms;               /* 0: HTTP_CLIENT_TIMEOUT_MS */
	long connect_timeout_ms;       /* 0: HTTP_CLIENT_CONNECT_MS */
	size_t max_response;           /* 0: HTTP_CLIENT_MAX_RESPONSE */
	int max_redirects;             /* 0: redirects are not followed; each one followed is re-checked */
};

struct http_response {
	enum http_client_error error;
	long status;                   /* 0 when no answer */
	struct buf body;               /* the answer's body, capped; NUL-terminated */
	struct buf headers;            /* the final answer's headers, "name: value\n" with lower-case names */
	int sent;                      /* 1 when the whole request was handed to the network: a
					  failure after that may have been acted on */
	int64_t retry_after_ms;        /* Retry-After (seconds or HTTP date), 0 when absent */
	char message[256];             /* what went wrong, for logs and people; never a header value */
};

/* Once per process, before any thread makes a request (curl_global_init).
 * Returns 0 or -1. */
int http_client_init(void);
/* At exit, after every request has finished. */
void http_client_cleanup(void);

/* Make one request. Always fills *rs (free it with http_response_free),
 * returns 0 when an HTTP answer arrived (whatever its status) or -1 with
 * rs->error and rs->message set. */
int http_client_do(const struct http_request *rq, struct http_response *rs);
void http_response_free(struct http_response *rs);
/* The value of a header of the answer (name in any case), or NULL. The
 * pointer is into a copy in out (size bytes); the value is cut to fit. */
const char *http_response_header(const struct http_response *rs, const char *name, char *out, size_t size);

/* The SSRF guard's decision for one address: 1 when blocked. Loopback is
 * let through only when allow_loopback is 1. */
int http_addr_blocked(const struct sockaddr *sa, int allow_loopback);
/* 1 when KANAL_NET_ALLOW_LOOPBACK=1 was set at init. */
int http_client_loopback_allowed(void);

#endif
