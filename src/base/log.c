/* log: one line per message, "ts level req msg", written atomically. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"

static enum log_level min_level = LOG_INFO;
static _Thread_local char req_id[40];
static const char *names[] = {"debug", "info", "warn", "error", "off"};

void log_set_level(enum log_level l)
{
	min_level = l;
}

int log_parse_level(const char *s)
{
	for (int i = 0; i <= LOG_OFF; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void log_set_request_id(const char *id)
{
	str_copy(req_id, id ? id : "", sizeof req_id);
}

const char *log_request_id(void)
{
	return req_id;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	if (l < min_level || l >= LOG_OFF)
		return;
	char line[2048];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s%s%s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000, names[l], req_id[0] ? " req=" : "", req_id);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : ((size_t)m < sizeof line - (size_t)n - 1 ? (size_t)m : sizeof line - (size_t)n - 2));
	/* Control characters from hostile input must not forge log lines. */
	for (size_t i = (size_t)n; i < len; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
