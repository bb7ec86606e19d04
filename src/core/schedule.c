/* schedule: wall-clock times in a zone <-> UTC (DST-correct: 09:00 in
 * Europe/Tirane stays 09:00 across the change), calendar ranges and the
 * next free posting slot. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
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
	*ms = (time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000;
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
	time_civil_from_days(days, &y, &m, &d);
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d", y, m, d, sod / 3600, sod / 60 % 60);
	str_copy(out, tmp, 20);
	return 0;
}

/* ---- the calendar ----------------------------------------------------
 * The month view is the busiest read: rows are gathered into plain structs,
 * recurring posts expanded, the items sorted by time, and the answer
 * written straight out (or built as JSON for the CLI). */

struct cal_chan {
	int64_t id;
	char network[12];
};

struct cal_post {
	int64_t id, at;
	char state[16], ctype[12], local[20], zone[64];
	char *title, *excerpt;
	json_t *rec;
	struct cal_chan *chans;
	size_t nchans;
};

struct cal_item {
	size_t post;
	int64_t at;
	int k; /* occurrence, -1 when not recurring */
};

struct cal {
	struct store *st;
	struct cal_post *posts;
	size_t n, cap;
	struct cal_item *items;
	size_t ni, capi;
	const char *zone;
	int64_t from, to;
};

static int cal_row(void *ctx, struct store_row *r)
{
	struct cal *c = ctx;
	struct store *st = c->st;
	int64_t id = store_int(st, r, 0);
	if (!c->n || c->posts[c->n - 1].id != id) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->posts = xrealloc(c->posts, c->cap * sizeof *c->posts);
		}
		struct cal_post *p = &c->posts[c->n++];
		memset(p, 0, sizeof *p);
		p->id = id;
		str_copy(p->state, store_text(st, r, 1), sizeof p->state);
		p->title = xstrdup(store_text(st, r, 2));
		p->excerpt = xstrdup(store_text(st, r, 3));
		p->at = store_int(st, r, 4);
		const char *sl = store_text(st, r, 5), *sz = store_text(st, r, 6), *rec = store_text(st, r, 10);
		str_copy(p->local, sl ? sl : "", sizeof p->local);
		str_copy(p->zone, sz ? sz : c->zone, sizeof p->zone);
		str_copy(p->ctype, store_text(st, r, 7), sizeof p->ctype);
		p->rec = rec ? json_loads(rec, 0, NULL) : NULL;
	}
	struct cal_post *p = &c->posts[c->n - 1];
	if (!store_is_null(st, r, 8) && !store_is_null(st, r, 9)) { /* a removed channel is not shown */
		if ((p->nchans & (p->nchans - 1)) == 0)
			p->chans = xrealloc(p->chans, (p->nchans ? 2 * p->nchans : 2) * sizeof *p->chans);
		p->chans[p->nchans].id = store_int(st, r, 8);
		str_copy(p->chans[p->nchans].network, store_text(st, r, 9), sizeof p->chans[0].network);
		p->nchans++;
	}
	return 0;
}

static void cal_add(struct cal *c, size_t post, int64_t at, int k)
{
	if (c->ni == c->capi) {
		c->capi = c->capi ? 2 * c->capi : 64;
		c->items = xrealloc(c->items, c->capi * sizeof *c->items);
	}
	c->items[c->ni++] = (struct cal_item){post, at, k};
}

struct expand_ctx {
	struct cal *c;
	size_t post;
};

static int expand_item(void *ctx, int64_t at, const char *local, int k)
{
	(void)local;
	struct expand_ctx *x = ctx;
	cal_add(x->c, x->post, at, k);
	return x->c->ni > 20000;
}

static _Thread_local const struct cal_post *sort_posts;

static int by_time(const void *a, const void *b)
{
	const struct cal_item *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	int64_t i = sort_posts[x->post].id, j = sort_posts[y->post].id;
	if (i != j)
		return i < j ? -1 : 1;
	return x->k - y->k;
}

static void cal_free(struct cal *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->posts[i].title);
		free(c->posts[i].excerpt);
		free(c->posts[i].chans);
		json_decref(c->posts[i].rec);
	}
	free(c->posts);
	free(c->items);
}

/* Gather the items of [from, to] (local dates, inclusive) into c. */
static int cal_gather(struct store *st, int64_t ws, const char *from, const char *to, struct workspace *w, struct cal *c,
		      struct err *e)
{
	int rc = workspace_get(st, ws, w, e);
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
	time_civil_from_days(t / 86400000 + 1, &y, &m, &d);
	snprintf(tl, sizeof tl, "%04d-%02d-%02dT00:00", y, m, d);
	int64_t fu, tu;
	/* Midnight can fall in a gap in a few zones; then the first minute
	 * after it counts. */
	if (schedule_local_to_utc(fl, w->timezone, &fu, NULL)) {
		fl[11] = '0', fl[12] = '1';
		if ((rc = schedule_local_to_utc(fl, w->timezone, &fu, e)))
			return rc;
	}
	if (schedule_local_to_utc(tl, w->timezone, &tu, NULL)) {
		tl[11] = '0', tl[12] = '1';
		if ((rc = schedule_local_to_utc(tl, w->timezone, &tu, e)))
			return rc;
	}
	memset(c, 0, sizeof *c);
	c->st = st;
	c->zone = w->timezone;
	c->from = fu;
	c->to = tu;
	struct store_val v[] = {SV_I(ws), SV_I(fu), SV_I(tu)};
	if ((rc = store_exec(st, Q_CALENDAR_RANGE, v, NARGS(v), cal_row, c, e)) < 0 ||
	    (rc = store_exec(st, Q_CALENDAR_RECURRING, v, NARGS(v), cal_row, c, e)) < 0) {
		cal_free(c);
		return rc;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct cal_post *p = &c->posts[i];
		if (json_is_object(p->rec) && p->local[0]) {
			struct expand_ctx x = {c, i};
			schedule_expand(p->local, p->zone, p->rec, fu, tu, expand_item, &x);
		} else if (p->at >= fu && p->at < tu) {
			cal_add(c, i, p->at, -1);
		}
	}
	if (c->ni > 1) {
		sort_posts = c->posts;
		qsort(c->items, c->ni, sizeof(struct cal_item), by_time);
		sort_posts = NULL;
	}
	return 0;
}

int calendar_range(struct store *st, int64_t ws, const char *from, const char *to, json_t **out, struct err *e)
{
	struct workspace w;
	struct cal c;
	int rc = cal_gather(st, ws, from, to, &w, &c, e);
	if (rc)
		return rc;
	json_t *items = json_array();
	for (size_t i = 0; i < c.ni; i++) {
		const struct cal_post *p = &c.posts[c.items[i].post];
		char local[20] = "";
		schedule_utc_to_local(c.items[i].at, w.timezone, local);
		json_t *chans = json_array();
		for (size_t k = 0; k < p->nchans; k++)
			json_array_append_new(chans, json_pack("{sI ss}", "id", (json_int_t)p->chans[k].id, "network",
							       p->chans[k].network));
		json_t *o = json_pack("{sI ss ss ss so ss ss ss so sb}", "id", (json_int_t)p->id, "state", p->state, "title",
				      p->title, "excerpt", p->excerpt, "scheduled_at", json_time(c.items[i].at), "local",
				      local, "chosen_timezone", p->zone, "content_type", p->ctype, "channels", chans,
				      "recurring", p->rec != NULL);
		json_object_set_new(o, "occurrence", c.items[i].k >= 0 ? json_integer(c.items[i].k) : json_null());
		json_array_append_new(items, o);
	}
	*out = json_pack("{ss ss ss so}", "timezone", w.timezone, "from", from, "to", to, "posts", items);
	cal_free(&c);
	return 0;
}

int calendar_range_write(struct store *st, int64_t ws, const char *from, const char *to, struct buf *out,
			 struct err *e)
{
	struct workspace w;
	struct cal c;
	int rc = cal_gather(st, ws, from, to, &w, &c, e);
	if (rc)
		return rc;
	struct jw j = {out, 0};
	jw_begin_obj(&j);
	jw_key(&j, "timezone");
	jw_str(&j, w.timezone);
	jw_key(&j, "from");
	jw_str(&j, from);
	jw_key(&j, "to");
	jw_str(&j, to);
	jw_key(&j, "posts");
	jw_begin_arr(&j);
	for (size_t i = 0; i < c.ni; i++) {
		const struct cal_post *p = &c.posts[c.items[i].post];
		char local[20] = "";
		schedule_utc_to_local(c.items[i].at, w.timezone, local);
		jw_begin_obj(&j);
		jw_key(&j, "id");
		jw_int(&j, p->id);
		jw_key(&j, "state");
		jw_str(&j, p->state);
		jw_key(&j, "title");
		jw_str(&j, p->title);
		jw_key(&j, "excerpt");
		jw_str(&j, p->excerpt);
		jw_key(&j, "scheduled_at");
		jw_time(&j, c.items[i].at);
		jw_key(&j, "local");
		jw_str(&j, local);
		/* the zone it was chosen in, only when it is not the workspace's */
		if (strcmp(p->zone, w.timezone) != 0) {
			jw_key(&j, "chosen_timezone");
			jw_str(&j, p->zone);
		}
		jw_key(&j, "content_type");
		jw_str(&j, p->ctype);
		jw_key(&j, "channels");
		jw_begin_arr(&j);
		for (size_t k = 0; k < p->nchans; k++) {
			jw_begin_obj(&j);
			jw_key(&j, "id");
			jw_int(&j, p->chans[k].id);
			jw_key(&j, "network");
			jw_str(&j, p->chans[k].network);
			jw_end_obj(&j);
		}
		jw_end_arr(&j);
		if (p->rec) {
			jw_key(&j, "recurring");
			buf_adds(out, "true");
			j.need_comma = 1;
			jw_key(&j, "occurrence");
			jw_int(&j, c.items[i].k);
		}
		jw_end_obj(&j);
	}
	jw_end_arr(&j);
	jw_end_obj(&j);
	cal_free(&c);
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
			time_civil_from_days(day, &y, &m, &d);
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

/* ---- recurrence ------------------------------------------------------ */

int schedule_check_recurrence(json_t *rec, struct err *e)
{
	static const char *const keys[] = {"freq", "interval", "days", "until", "count", NULL};
	if (!json_is_object(rec))
		return err_set(e, ERR_INVALID, "schedule.recurrence", "$.recurrence", "recurrence must be an object");
	const char *k;
	json_t *v;
	json_object_foreach(rec, k, v)
	{
		int ok = 0;
		for (const char *const *p = keys; *p; p++)
			if (strcmp(*p, k) == 0)
				ok = 1;
		if (!ok)
			return err_set(e, ERR_INVALID, "field.unknown", "$.recurrence", "unknown field %.40s", k);
	}
	const char *freq = json_string_value(json_object_get(rec, "freq"));
	if (!freq || (strcmp(freq, "daily") != 0 && strcmp(freq, "weekly") != 0 && strcmp(freq, "monthly") != 0))
		return err_set(e, ERR_INVALID, "schedule.recurrence", "$.recurrence.freq", "freq is daily, weekly or monthly");
	json_t *iv = json_object_get(rec, "interval");
	if (iv && (!json_is_integer(iv) || json_integer_value(iv) < 1 || json_integer_value(iv) > 365))
		return err_set(e, ERR_INVALID, "schedule.recurrence", "$.recurrence.interval", "interval is 1 to 365");
	json_t *days = json_object_get(rec, "days");
	if (days) {
		if (strcmp(freq, "weekly") != 0 || !json_is_array(days) || json_array_size(days) < 1 ||
		    json_array_size(days) > 7)
			return err_set(e, ERR_INVALID, "schedule.recurrence", "$.recurrence.days",
				       "days (1-7, Monday = 1) go with weekly");
		size_t i;
		json_t *d;
		int seen[8] = {0};
		json_array_foreach(days, i, d)
		{
			if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 7 ||
			    seen[json_integer_value(d)]++)
				return err_set(e, ERR_INVALID, "schedule.recurrence", "$.recurrence.days",
					       "days are 1 to 7, each once");
		}
	}
	json_t *until = json_object_get(rec, "until"), *count = json_object_get(rec, "count");
	int64_t tmp;
	if (until && (!json_is_string(until) || parse_wall(json_string_value(until), 1, &tmp)))
		return err_set(e, ERR_INVALID, "schedule.recurrence", "$.recurrence.until", "until is a date, 2026-12-31");
	if (count && (!json_is_integer(count) || json_integer_value(count) < 1 || json_integer_value(count) > 500))
		return err_set(e, ERR_INVALID, "schedule.recurrence", "$.recurrence.count", "count is 1 to 500");
	if (!until && !count)
		return err_set(e, ERR_INVALID, "schedule.recurrence", "$.recurrence",
			       "a recurrence needs an end: until or count");
	return 0;
}

int schedule_expand(const char *first_local, const char *zone, json_t *rec, int64_t from_ms, int64_t to_ms,
		    int (*fn)(void *ctx, int64_t at, const char *local, int k), void *ctx)
{
	int64_t first;
	if (parse_wall(first_local, 0, &first))
		return -1;
	const char *freq = json_string_value(json_object_get(rec, "freq"));
	int interval = json_is_integer(json_object_get(rec, "interval")) ? (int)json_integer_value(json_object_get(rec, "interval")) : 1;
	long count = json_is_integer(json_object_get(rec, "count")) ? (long)json_integer_value(json_object_get(rec, "count")) : 0;
	int64_t until = 0;
	const char *us = json_string_value(json_object_get(rec, "until"));
	if (us && parse_wall(us, 1, &until) == 0)
		until += 86400000; /* inclusive */
	json_t *days = json_object_get(rec, "days");
	int64_t day0 = first / 86400000, tod = first % 86400000;
	int y0, m0, d0;
	time_civil_from_days(day0, &y0, &m0, &d0);
	long made = 0;
	for (long step = 0; step < 4000; step++) {
		int64_t day;
		if (!freq || strcmp(freq, "daily") == 0) {
			day = day0 + step * interval;
		} else if (strcmp(freq, "weekly") == 0) {
			/* weeks from the first one's Monday; in each, the chosen days */
			int64_t monday = day0 - (((day0 % 7) + 7 + 3) % 7);
			int64_t week = step / 7;
			int dow = (int)(step % 7) + 1;
			if (week % interval)
				continue;
			int chosen = 0;
			size_t i;
			json_t *d;
			if (days) {
				json_array_foreach(days, i, d) if (json_integer_value(d) == dow) chosen = 1;
			} else {
				chosen = dow == (int)(((day0 % 7) + 7 + 3) % 7) + 1;
			}
			day = monday + week * 7 + dow - 1;
			if (!chosen || day < day0)
				continue;
		} else {
			int mm = m0 - 1 + (int)step * interval;
			int y = y0 + mm / 12, m = mm % 12 + 1;
			static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
			int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
			if (d0 > mdays[m - 1] || (m == 2 && d0 == 29 && !leap))
				continue; /* no such day this month (RFC 5545 skips it) */
			day = time_days_from_civil(y, m, d0);
		}
		int64_t wall = day * 86400000 + tod;
		if (until && wall >= until)
			break;
		if (count && made >= count)
			break;
		made++;
		int y, m, d;
		time_civil_from_days(day, &y, &m, &d);
		char local[64];
		snprintf(local, sizeof local, "%04d-%02d-%02dT%02d:%02d", y, m, d, (int)(tod / 3600000), (int)(tod / 60000 % 60));
		int64_t at;
		if (schedule_local_to_utc(local, zone, &at, NULL))
			continue; /* falls in a DST gap: that occurrence is skipped */
		if (at >= to_ms)
			break;
		if (at >= from_ms && fn(ctx, at, local, (int)made - 1))
			break;
	}
	return 0;
}

/* ---- the month cache ---------------------------------------------------- */

/* Recent answers, by workspace, range and calendar version. A hit costs one
 * indexed read of the version and a copy; anything the calendar shows that
 * changes moves the version in the writer's own transaction (triggers), so
 * a kept answer is never stale: an entry whose version is not the current
 * one is simply never found again, and ages out. */
static const struct {
	size_t entries;	  /* kept answers */
	size_t max_bytes; /* all of them together */
	size_t max_key;	  /* from/to longer than this are not kept */
} CALCACHE = {.entries = 64, .max_bytes = 32u << 20, .max_key = 31};

struct cal_entry {
	int64_t ws, version;
	char from[32], to[32];
	char *data;
	size_t len;
	uint64_t used;
};

static struct {
	pthread_mutex_t mu;
	struct cal_entry e[64];
	size_t bytes;
	uint64_t clock;
} calcache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int cal_version(struct store *st, int64_t ws, int64_t *v, struct err *e)
{
	struct store_val a = SV_I(ws);
	int rc = store_one_int(st, Q_CALENDAR_VERSION, &a, 1, v, e);
	if (rc == ERR_NOTFOUND) {
		err_clear(e);
		*v = 0;
		return 0;
	}
	return rc;
}

static void cal_etag(int64_t ws, int64_t version, const char *from, const char *to, char *etag)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a of "from|to" */
	for (const char *s = from; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ '|') * 1099511628211ULL;
	for (const char *s = to; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	snprintf(etag, CALENDAR_ETAG_SIZE, "\"cal-%lld-%lld-%016llx\"", (long long)ws, (long long)version,
		 (unsigned long long)h);
}

static int cal_lookup(int64_t ws, int64_t version, const char *from, const char *to, struct buf *out)
{
	int hit = 0;
	pthread_mutex_lock(&calcache.mu);
	for (size_t i = 0; i < CALCACHE.entries && !hit; i++) {
		struct cal_entry *c = &calcache.e[i];
		if (c->data && c->ws == ws && c->version == version && strcmp(c->from, from) == 0 &&
		    strcmp(c->to, to) == 0) {
			c->used = ++calcache.clock;
			hit = buf_add(out, c->data, c->len) == 0;
		}
	}
	pthread_mutex_unlock(&calcache.mu);
	return hit;
}

static void cal_keep(int64_t ws, int64_t version, const char *from, const char *to, const struct buf *b)
{
	if (b->len > CALCACHE.max_bytes / 4)
		return;
	pthread_mutex_lock(&calcache.mu);
	for (;;) {
		/* the least recently used slot (an empty one first), and room */
		size_t victim = 0;
		for (size_t i = 0; i < CALCACHE.entries; i++) {
			if (!calcache.e[i].data) {
				victim = i;
				break;
			}
			if (calcache.e[i].used < calcache.e[victim].used)
				victim = i;
		}
		struct cal_entry *c = &calcache.e[victim];
		if (c->data) {
			calcache.bytes -= c->len;
			free(c->data);
			c->data = NULL;
		}
		if (calcache.bytes + b->len <= CALCACHE.max_bytes) {
			c->ws = ws;
			c->version = version;
			str_copy(c->from, from, sizeof c->from);
			str_copy(c->to, to, sizeof c->to);
			c->data = xmalloc(b->len ? b->len : 1);
			memcpy(c->data, b->ptr, b->len);
			c->len = b->len;
			c->used = ++calcache.clock;
			calcache.bytes += b->len;
			break;
		}
	}
	pthread_mutex_unlock(&calcache.mu);
}

int calendar_range_cached(struct store *st, int64_t ws, const char *from, const char *to, struct buf *out,
			  char *etag, struct err *e)
{
	int64_t v1, v2;
	int rc = cal_version(st, ws, &v1, e);
	if (rc)
		return rc;
	cal_etag(ws, v1, from, to, etag);
	int keyable = strlen(from) <= CALCACHE.max_key && strlen(to) <= CALCACHE.max_key;
	if (keyable && cal_lookup(ws, v1, from, to, out))
		return 0;
	if ((rc = calendar_range_write(st, ws, from, to, out, e)))
		return rc;
	/* Kept only when nothing moved the version while it was read: a write
	 * that landed meanwhile may or may not be in what was read. */
	if ((rc = cal_version(st, ws, &v2, e)))
		return rc;
	if (v2 != v1)
		etag[0] = '\0'; /* of no one version: not named */
	else if (keyable)
		cal_keep(ws, v1, from, to, out);
	return 0;
}
