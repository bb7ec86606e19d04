/* time: clocks, RFC 3339 and IANA zones through libical's tz database. */
#include "base/time.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
void time_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static char *put(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void time_fmt_rfc3339(int64_t ms, char *out, size_t size)
{
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int frac = (int)(ms - secs * 1000);
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int sod = (int)(secs - days * 86400);
	int y, mo, d;
	time_civil_from_days(days, &y, &mo, &d);
	char tmp[32], *p = tmp;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	p = put(p, y, 4);
	*p++ = '-';
	p = put(p, mo, 2);
	*p++ = '-';
	p = put(p, d, 2);
	*p++ = 'T';
	p = put(p, sod / 3600, 2);
	*p++ = ':';
	p = put(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = put(p, sod % 60, 2);
	*p++ = '.';
	p = put(p, frac, 3);
	*p++ = 'Z';
	*p = '\0';
	if (size) {
		size_t n = (size_t)(p - tmp) < size - 1 ? (size_t)(p - tmp) : size - 1;
		memcpy(out, tmp, n);
		out[n] = '\0';
	}
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t time_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int time_parse_rfc3339(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, se, frac = 0;
	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		int nd = 0;
		while (*p >= '0' && *p <= '9') {
			if (nd < 3)
				frac = frac * 10 + (*p - '0');
			nd++;
			p++;
		}
		if (nd == 0)
			return -1;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	int off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	if (se == 60)
		se = 59;
	int64_t secs = time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	*ms = secs * 1000 + frac;
	return 0;
}

/* libical's builtin zone cache is filled lazily; serialise first use. */
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

/* IANA names are segments of [A-Za-z0-9_+-] joined by '/'. libical
 * resolves a name as a path under the zoneinfo directory, so anything
 * path-like ("..", ".", "//", a leading '/') is refused here. */
static int zone_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64 || name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
			 c == '+' || c == '-' || c == '/';
		if (!ok || (c == '/' && name[i + 1] == '/'))
			return 0;
	}
	/* the first character of a name and of each segment is a letter */
	for (size_t i = 0; i < n; i++)
		if ((i == 0 || name[i - 1] == '/') && !((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z')))
			return 0;
	return 1;
}

static icaltimezone *zone(const char *name)
{
	if (!name || !zone_name_ok(name))
		return NULL;
	if (strcmp(name, "UTC") == 0)
		return icaltimezone_get_utc_timezone();
	pthread_mutex_lock(&tz_lock);
	icaltimezone *z = icaltimezone_get_builtin_timezone(name);
	pthread_mutex_unlock(&tz_lock);
	return z;
}

int time_zone_valid(const char *name)
{
	return zone(name) != NULL;
}

int time_zone_offset(const char *name, int64_t ms, int *offset_s)
{
	icaltimezone *z = zone(name);
	if (!z)
		return -1;
	struct icaltimetype t = icaltime_from_timet_with_zone((time_t)(ms / 1000), 0, icaltimezone_get_utc_timezone());
	int is_dst = 0;
	pthread_mutex_lock(&tz_lock);
	*offset_s = icaltimezone_get_utc_offset_of_utc_time(z, &t, &is_dst);
	pthread_mutex_unlock(&tz_lock);
	return 0;
}

int time_zone_vtimezone(const char *name, struct buf *out)
{
	icaltimezone *z = zone(name);
	if (!z || z == icaltimezone_get_utc_timezone())
		return -1;
	/* libical's zones are shared and its serialiser keeps scratch rings:
	 * work on a clone, under the lock. The copy is named by its IANA name
	 * instead of libical's "/freeassociation..." prefix, which calendar
	 * apps do not recognise. */
	pthread_mutex_lock(&tz_lock);
	icalcomponent *src = icaltimezone_get_component(z);
	icalcomponent *c = src ? icalcomponent_new_clone(src) : NULL;
	char *s = NULL;
	if (c) {
		icalproperty *p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
		if (p)
			icalproperty_set_tzid(p, name);
		s = icalcomponent_as_ical_string_r(c);
		icalcomponent_free(c);
	}
	pthread_mutex_unlock(&tz_lock);
	int rc = s && str_starts(s, "BEGIN:VTIMEZONE\r\n") && buf_adds(out, s) == 0 ? 0 : -1;
	free(s);
	return rc;
}
