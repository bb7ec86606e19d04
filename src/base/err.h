/* err: negative error codes, a struct err that tells a person why, and the
 * one table that maps codes to HTTP statuses. */
#ifndef KANAL_ERR_H
#define KANAL_ERR_H

enum err_code {
	ERR_OK = 0,
	ERR_INVALID = -1,    /* 400: the input is malformed or breaks a rule */
	ERR_UNAUTH = -2,     /* 401: no valid credentials */
	ERR_FORBIDDEN = -3,  /* 403: authenticated, not allowed */
	ERR_NOTFOUND = -4,   /* 404 */
	ERR_METHOD = -5,     /* 405 */
	ERR_CONFLICT = -6,   /* 409: clashes with what is stored */
	ERR_TOOLARGE = -7,   /* 413 */
	ERR_UNSUPPORTED = -8, /* 415 */
	ERR_RATELIMIT = -9,  /* 429 */
	ERR_DB = -10,        /* 500: the store failed */
	ERR_INTERNAL = -11,  /* 500 */
	ERR_UPSTREAM = -12,  /* 502: a network answered badly */
	ERR_IO = -13,        /* 500: file system */
	ERR_UNAVAILABLE = -14, /* 503 */
};
#define ERR_MIN ERR_UNAVAILABLE

struct err {
	int code;        /* enum err_code, 0 while no error */
	char key[64];    /* stable machine code, e.g. "post.too_long" */
	char msg[256];   /* a human sentence in English */
	char field[128]; /* JSON path of the offending field, or "" */
};

/* Fill e (if non-NULL) and return code, so that callers can write
 * `return err_set(e, ERR_INVALID, "json.malformed", "", "...")`.
 * key NULL uses the code's default key. */
int err_set(struct err *e, int code, const char *key, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Clear e. */
void err_clear(struct err *e);
/* HTTP status for a code (500 for unknown). */
int err_http_status(int code);
/* Default stable key for a code ("invalid", "not_found", ...). */
const char *err_default_key(int code);
/* Short title for a code ("Bad Request", ...). */
const char *err_title(int code);

#endif
