/* schedule: wall-clock times in a zone <-> UTC (DST-correct: 09:00 in
 * Europe/Tirane stays 09:00 across the change), calendar ranges and the
 * next free posting slot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "core/content.h"

static int num(const char *s, int n, int *out)
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

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
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

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" as if it were UTC, in ms. */
static int parse_wall(const char *s, int date_only, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	size_t n = strlen(s);
	if (n < 10 || num(s, 4, &y) || s[4] != '-' || num(s + 5, 2, &mo) || s[7] != '-' || num(s + 8, 2, &d))
		return -1;
	if (date_only ? n != 10 : (n != 16 && n != 19))
		return -1;
	if (!date_only && (s[10] != 'T' || num(s + 11, 2, &h) || s[13] != ':' || num(s + 14, 2, &mi) ||
			   (n == 19 && (s[16] != ':' || num(s + 17, 2, &se)))))
		return -1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	*ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000;
	return 0;
}

int schedule_local_to_utc(const char *local, const char *zone, int64_t *ms, struct err *e)
{
	int64_t wall;
	if (parse_wall(local, 0, &wall))
		return err_set(e, ERR_INVALID, "schedule.local", "$.local", "use a local time like 2026-12-01T09:00");
	if (!time_zone_valid(zone))
		return err_set(e, ERR_INVALID, "schedule.timezone", "$.timezone", "unknown IANA time zone");
	/* The offsets in force a day either side cover every transition; a
	 * candidate is right when converting it back gives the same wall time. */
	int offs[2], found = 0;
	int64_t best = 0;
	if (time_zone_offset(zone, wall - 86400000, &offs[0]) || time_zone_offset(zone, wall + 86400000, &offs[1]))
		return err_set(e, ERR_INVALID, "schedule.timezone", "$.timezone", "unknown IANA time zone");
	for (int i = 0; i < 2; i++) {
		int64_t cand = wall - (int64_t)offs[i] * 1000;
		int back;
		if (time_zone_offset(zone, cand, &back) == 0 && cand + (int64_t)back * 1000 == wall) {
			if (!found || cand < best)
				best = cand;
			found = 1;
		}
	}
	if (!found)
		return err_set(e, ERR_INVALID, "schedule.time_in_gap", "$.local",
			       "%s does not exist in %s (the clocks skip it)", local, zone);
	*ms = best;
	return 0;
}

int schedule_utc_to_local(int64_t ms, const char *zone, char out[20])
{
	int off;
	if (time_zone_offset(zone, ms, &off))
		return -1;
	int64_t wall = ms / 1000 + off;
	int64_t days = wall >= 0 ? wall / 86400 : (wall - 86399) / 86400;
	int sod = (int)(wall - days * 86400);
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d", y, m, d, sod / 3600, sod / 60 % 60);
	str_copy(out, tmp, 20);
	return 0;
}

struct cal_ctx {
	struct store *st;
	json_t *posts;
	json_t *cur;
	int64_t cur_id;
	const char *zone;
};

static int cal_row(void *ctx, struct store_row *r)
{
	struct cal_ctx *c = ctx;
	struct store *st = c->st;
	int64_t id = store_int(st, r, 0);
	if (!c->cur || id != c->cur_id) {
		int64_t at = store_int(st, r, 4);
		char local[20] = "";
		schedule_utc_to_local(at, c->zone, local);
		const char *sl = store_text(st, r, 5), *sz = store_text(st, r, 6);
		c->cur = json_pack("{sI ss ss ss so ss ss ss so}", "id", (json_int_t)id, "state", store_text(st, r, 1),
				   "title", store_text(st, r, 2), "excerpt", store_text(st, r, 3), "scheduled_at",
				   json_time(at), "local", local, "chosen_local", sl ? sl : local, "chosen_timezone",
				   sz ? sz : c->zone, "channels", json_array());
		json_object_set_new(c->cur, "content_type", json_string(store_text(st, r, 7)));
		json_array_append_new(c->posts, c->cur);
		c->cur_id = id;
	}
	if (!store_is_null(st, r, 8))
		json_array_append_new(json_object_get(c->cur, "channels"),
				      json_pack("{sI ss}", "id", (json_int_t)store_int(st, r, 8), "network",
						store_text(st, r, 9)));
	return 0;
}

int calendar_range(struct store *st, int64_t ws, const char *from, const char *to, json_t **out, struct err *e)
{
	struct workspace w;
	int rc = workspace_get(st, ws, &w, e);
	if (rc)
		return rc;
	int64_t f, t;
	char fl[64], tl[64];
	if (parse_wall(from, 1, &f) || parse_wall(to, 1, &t))
		return err_set(e, ERR_INVALID, "calendar.range", "from", "from and to are dates like 2026-12-01");
	if (t < f || t - f > 62LL * 86400000)
		return err_set(e, ERR_INVALID, "calendar.range", "to", "the range is 1 to 62 days");
	snprintf(fl, sizeof fl, "%.10sT00:00", from);
	/* to is inclusive: the range ends at midnight after it, local time. */
	int y, m, d;
	civil_from_days(t / 86400000 + 1, &y, &m, &d);
	snprintf(tl, sizeof tl, "%04d-%02d-%02dT00:00", y, m, d);
	int64_t fu, tu;
	/* Midnight can fall in a gap in a few zones; then the first minute
	 * after it counts. */
	if (schedule_local_to_utc(fl, w.timezone, &fu, NULL)) {
		fl[11] = '0', fl[12] = '1';
		if ((rc = schedule_local_to_utc(fl, w.timezone, &fu, e)))
			return rc;
	}
	if (schedule_local_to_utc(tl, w.timezone, &tu, NULL)) {
		tl[11] = '0', tl[12] = '1';
		if ((rc = schedule_local_to_utc(tl, w.timezone, &tu, e)))
			return rc;
	}
	struct cal_ctx c = {st, json_array(), NULL, 0, w.timezone};
	struct store_val v[] = {SV_I(ws), SV_I(fu), SV_I(tu)};
	rc = store_exec(st, Q_CALENDAR_RANGE, v, NARGS(v), cal_row, &c, e);
	if (rc < 0) {
		json_decref(c.posts);
		return rc;
	}
	*out = json_pack("{ss ss ss so}", "timezone", w.timezone, "from", from, "to", to, "posts", c.posts);
	return 0;
}

static int taken_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	json_array_append_new(c[1], json_integer(store_int(c[0], r, 0)));
	return 0;
}

int schedule_next_slot(struct store *st, int64_t ws, int64_t channel_id, int64_t after_ms, int64_t *slot_ms,
		       struct err *e)
{
	json_t *ch;
	int rc = channel_get(st, ws, channel_id, &ch, e);
	if (rc)
		return rc;
	json_t *slots = json_object_get(ch, "slots");
	const char *zone = json_string_value(json_object_get(ch, "timezone"));
	if (json_array_size(slots) == 0) {
		json_decref(ch);
		return err_set(e, ERR_CONFLICT, "schedule.no_slots", "$.channel_id", "this channel has no posting slots");
	}
	/* Look four weeks ahead for the first slot time not already taken. */
	int64_t horizon = after_ms + 28LL * 86400000;
	json_t *taken = json_array();
	void *ctx[2] = {st, taken};
	struct store_val v[] = {SV_I(ws), SV_I(channel_id), SV_I(after_ms), SV_I(horizon + 86400000)};
	rc = store_exec(st, Q_CHANNEL_TAKEN, v, NARGS(v), taken_row, ctx, e);
	int64_t best = 0;
	char today[20];
	if (rc >= 0 && schedule_utc_to_local(after_ms, zone, today) == 0) {
		int64_t day0;
		char d10[11];
		memcpy(d10, today, 10);
		d10[10] = '\0';
		parse_wall(d10, 1, &day0);
		for (int k = 0; k <= 28 && !best; k++) {
			int64_t day = day0 / 86400000 + k;
			int dow = (int)(((day % 7) + 7 + 3) % 7) + 1; /* 1970-01-01 was a Thursday (4) */
			int y, m, d;
			civil_from_days(day, &y, &m, &d);
			/* the slots of this weekday, earliest first */
			for (int pass = 0; pass < 1; pass++) {
				size_t i;
				json_t *s;
				int64_t day_best = 0;
				json_array_foreach(slots, i, s)
				{
					if (json_integer_value(json_object_get(s, "day")) != dow)
						continue;
					char local[64];
					snprintf(local, sizeof local, "%04d-%02d-%02dT%s", y, m, d,
						 json_string_value(json_object_get(s, "time")));
					int64_t at;
					if (schedule_local_to_utc(local, zone, &at, NULL) || at <= after_ms)
						continue;
					int busy = 0;
					size_t j;
					json_t *tv;
					json_array_foreach(taken, j, tv) if (json_integer_value(tv) == at) busy = 1;
					if (!busy && (!day_best || at < day_best))
						day_best = at;
				}
				best = day_best;
			}
		}
	}
	json_decref(taken);
	json_decref(ch);
	if (rc < 0)
		return rc;
	if (!best)
		return err_set(e, ERR_CONFLICT, "schedule.queue_full", "$.channel_id",
			       "no free slot in the next four weeks");
	*slot_ms = best;
	return 0;
}
