/* netutil: the small pieces every network connector needs — reading a
 * text field of an answer, filling a net_result, making a network's error
 * message safe to store and show, reading a media file under a cap. */
#ifndef KANAL_NETUTIL_H
#define KANAL_NETUTIL_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "net/connector.h"
#include "net/http_client.h"

/* The string at o[k], or NULL when o is not an object or the value is not
 * a string. */
const char *net_jstr(json_t *o, const char *k);

/* The outcome, code and message of a result (the message formatted). */
void net_set(struct net_result *r, enum net_outcome o, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void net_vset(struct net_result *r, enum net_outcome o, const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* A network's message made safe to keep and show: printable ASCII only,
 * at most 200 bytes, and every secret of secrets[0..n) (4 bytes or more)
 * that the network might have echoed replaced by "[redacted]". m may be
 * NULL (out is then ""). */
void net_clean_message(const char *m, const char *const *secrets, size_t n, char *out, size_t size);

/* Read a whole file into out, at most max bytes. 0; -1 cannot open or
 * read it; -2 larger than max. msg says which, for people. */
int net_read_file(const char *path, size_t max, struct buf *out, char *msg, size_t msize);

/* The progress record of one post in the connector's state: the object at
 * state[field][key], or when create is set a new {"at": now} there (made
 * after forgetting entries older than ttl_ms, then the oldest while there
 * are max or more) and the state marked changed. NULL when there is none
 * and create is 0. */
json_t *net_progress(struct net_account *a, const char *field, const char *key, int create, size_t max,
		     int64_t ttl_ms);

/* One request with a bearer token. */
struct net_bearer_req {
	const char *method;
	const char *base; /* the API root (no trailing '/'), or NULL when path is a whole URL */
	size_t base_len;
	const char *path;
	const char *token;
	const char *const *headers; /* more "Name: value" lines, NULL-terminated; may be NULL */
	const char *ctype;	    /* the body's Content-Type, or NULL */
	const void *body;
	size_t body_len;
	long timeout_ms;
	size_t max_response;
};

/* Make the request with "Authorization: Bearer <token>" first, then the
 * given headers and the content type; the memory that held the token's
 * header is wiped before it is freed. *rs as http_client_do fills it (free
 * it with http_response_free). */
void net_bearer_do(const struct net_bearer_req *q, struct http_response *rs);

#endif
