/* err: the table from error codes to HTTP statuses and default keys. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"

static const struct {
	int code;
	int status;
	const char *key;
	const char *title;
} table[] = {
	{ERR_OK, 200, "ok", "OK"},
	{ERR_INVALID, 400, "invalid", "Bad Request"},
	{ERR_UNAUTH, 401, "auth.required", "Unauthorized"},
	{ERR_FORBIDDEN, 403, "forbidden", "Forbidden"},
	{ERR_NOTFOUND, 404, "not_found", "Not Found"},
	{ERR_METHOD, 405, "method_not_allowed", "Method Not Allowed"},
	{ERR_CONFLICT, 409, "conflict", "Conflict"},
	{ERR_TOOLARGE, 413, "too_large", "Content Too Large"},
	{ERR_UNSUPPORTED, 415, "unsupported_media_type", "Unsupported Media Type"},
	{ERR_RATELIMIT, 429, "rate_limited", "Too Many Requests"},
	{ERR_DB, 500, "internal.db", "Internal Server Error"},
	{ERR_INTERNAL, 500, "internal", "Internal Server Error"},
	{ERR_UPSTREAM, 502, "upstream", "Bad Gateway"},
	{ERR_IO, 500, "internal.io", "Internal Server Error"},
	{ERR_UNAVAILABLE, 503, "unavailable", "Service Unavailable"},
};

static int find(int code)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].code == code)
			return (int)i;
	return -1;
}

int err_set(struct err *e, int code, const char *key, const char *field, const char *fmt, ...)
{
	if (!e)
		return code;
	e->code = code;
	str_copy(e->key, key ? key : err_default_key(code), sizeof e->key);
	str_copy(e->field, field ? field : "", sizeof e->field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct err *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}

int err_http_status(int code)
{
	int i = find(code);
	return i < 0 ? 500 : table[i].status;
}

const char *err_default_key(int code)
{
	int i = find(code);
	return i < 0 ? "internal" : table[i].key;
}

const char *err_title(int code)
{
	int i = find(code);
	return i < 0 ? "Internal Server Error" : table[i].title;
}
