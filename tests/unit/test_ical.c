/* test_ical: the calendar feed (core/ical.c) read back by libical's own
 * parser — times at 09:00 Europe/Tirane on both sides of the spring DST
 * change, TEXT escaping of a hostile title, folding at 75 octets without
 * splitting UTF-8, recurring posts, and the secret token's life. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/time.h"
#include "core/content.h"

#define TITLE "Ofertë: Mëngjes, çaj; \\ darkë\nNatën 🌅 e mirë"

struct fx {
	char dir[64];
	char db[96];
	struct store *st;
	struct actor cli;
	int64_t ws, chan_ig, chan_bsky;
	int year; /* next year: the spring change ahead of now */
	int day;  /* its last Sunday of March */
};

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t utc_ms(int y, int m, int d, int h, int mi)
{
	return (days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60) * 1000LL;
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	str_copy(f->dir, "/tmp/kanal-ical-XXXXXX", sizeof f->dir);
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof f->db, "%s/kanal.db", f->dir);
	struct err e;
	err_clear(&e);
	int applied;
	if (crypto_init() || store_open(f->db, &f->st, &e) || f->st->ops->migrate(f->st, &applied, &e)) {
		print_error("store: %s: %s\n", e.key, e.msg);
		return -1;
	}
	actor_cli(&f->cli);
	struct workspace w;
	if (workspace_create(f->st, &f->cli, "Hotel Guri i Kuq", "Europe/Tirane", "sq", "ALL", 0, &w, &e)) {
		print_error("workspace: %s\n", e.msg);
		return -1;
	}
	f->ws = w.id;
	const char *chans[] = {"{\"network\":\"instagram\",\"name\":\"Hotel Guri i Kuq\"}",
			       "{\"network\":\"bluesky\",\"name\":\"Guri i Kuq\"}"};
	int64_t *ids[] = {&f->chan_ig, &f->chan_bsky};
	for (int i = 0; i < 2; i++) {
		json_t *fields = json_loads(chans[i], 0, NULL), *c = NULL;
		if (channel_create(f->st, &f->cli, f->ws, fields, &c, &e)) {
			print_error("channel: %s\n", e.msg);
			return -1;
		}
		*ids[i] = json_integer_value(json_object_get(c, "id"));
		json_decref(fields);
		json_decref(c);
	}
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	f->year = tm.tm_year + 1900 + 1;
	/* the last Sunday of March: 1970-01-01 was a Thursday */
	for (int d = 31; d >= 25; d--)
		if ((days_from_civil(f->year, 3, d) % 7 + 7 + 3) % 7 == 6)
			f->day = d;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	const char *files[] = {"kanal.db", "kanal.db-wal", "kanal.db-shm"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A post on both channels, scheduled at local in Europe/Tirane (NULL: a
 * draft), optionally recurring. Returns its id. */
static int64_t make_post(struct fx *f, const char *title, const char *text, const char *local, const char *rec)
{
	struct err e;
	err_clear(&e);
	json_t *fields = json_pack("{ss ss s[II]}", "title", title, "master_text", text, "channel_ids",
				   (json_int_t)f->chan_ig, (json_int_t)f->chan_bsky),
	       *p = NULL;
	assert_non_null(fields);
	if (post_create(f->st, &f->cli, f->ws, fields, &p, &e))
		fail_msg("post_create: %s %s", e.key, e.msg);
	json_decref(fields);
	int64_t id = json_integer_value(json_object_get(p, "id"));
	json_decref(p);
	if (local) {
		json_t *args = json_pack("{ss ss}", "local", local, "timezone", "Europe/Tirane");
		if (rec)
			json_object_set_new(args, "recurrence", json_loads(rec, 0, NULL));
		if (post_transition(f->st, &f->cli, ROLE_OWNER, f->ws, id, POST_SCHEDULE, args, &p, &e))
			fail_msg("schedule %s: %s %s", local, e.key, e.msg);
		json_decref(args);
		json_decref(p);
	}
	return id;
}

static char *render(struct fx *f)
{
	struct buf out = BUF_INIT(0);
	struct err e;
	err_clear(&e);
	if (ical_feed_render(f->st, f->ws, "https://social.example.com", &out, &e))
		fail_msg("render: %s %s", e.key, e.msg);
	return buf_steal(&out);
}

static icalcomponent *event_by_uid(icalcomponent *cal, const char *uid)
{
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (strcmp(icalcomponent_get_uid(c), uid) == 0)
			return c;
	return NULL;
}

/* DTSTART as UTC epoch ms, converted with the VTIMEZONE the feed itself
 * carries (not libical's built-in zone data). */
static int64_t start_ms(icalcomponent *cal, icalcomponent *ev)
{
	icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
	assert_non_null(p);
	icalparameter *tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	struct icaltimetype t = icalproperty_get_dtstart(p);
	if (!tzp) {
		assert_true(icaltime_is_utc(t));
		return (int64_t)icaltime_as_timet(t) * 1000;
	}
	assert_string_equal(icalparameter_get_tzid(tzp), "Europe/Tirane");
	icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	assert_non_null(vtz);
	icaltimezone *z = icaltimezone_new();
	assert_int_equal(icaltimezone_set_component(z, icalcomponent_new_clone(vtz)), 1);
	int64_t ms = (int64_t)icaltime_as_timet_with_zone(t, z) * 1000;
	icaltimezone_free(z, 1);
	return ms;
}

static void test_feed_parses_with_libical_and_keeps_0900_across_dst(void **state)
{
	struct fx *f = *state;
	char before[20], after[20];
	snprintf(before, sizeof before, "%04d-03-%02dT09:00", f->year, f->day - 1);
	snprintf(after, sizeof after, "%04d-03-%02dT09:00", f->year, f->day);
	int64_t a = make_post(f, "Before the change", "Winter time", before, NULL);
	int64_t b = make_post(f, "After the change", "Summer time", after, NULL);
	make_post(f, "Just a draft", "not in the feed", NULL, NULL);
	char *text = render(f);
	icalcomponent *cal = icalparser_parse_string(text);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
	assert_int_equal(icalcomponent_count_errors(cal), 0);
	assert_string_equal(icalproperty_get_version(icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY)),
			    "2.0");
	icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	assert_non_null(vtz);
	assert_string_equal(icalproperty_get_tzid(icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)),
			    "Europe/Tirane");
	assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 2);
	char uid[64];
	snprintf(uid, sizeof uid, "post-%lld.ws-%lld@kanal", (long long)a, (long long)f->ws);
	icalcomponent *ea = event_by_uid(cal, uid);
	snprintf(uid, sizeof uid, "post-%lld.ws-%lld@kanal", (long long)b, (long long)f->ws);
	icalcomponent *eb = event_by_uid(cal, uid);
	assert_non_null(ea);
	assert_non_null(eb);
	/* 09:00 local: 08:00Z in winter (UTC+1), 07:00Z the day of the change (UTC+2) */
	assert_true(start_ms(cal, ea) == utc_ms(f->year, 3, f->day - 1, 8, 0));
	assert_true(start_ms(cal, eb) == utc_ms(f->year, 3, f->day, 7, 0));
	struct icaltimetype local = icalcomponent_get_dtstart(eb);
	assert_int_equal(local.hour, 9);
	assert_int_equal(local.minute, 0);
	assert_string_equal(icalcomponent_get_summary(ea), "Before the change");
	struct icaldurationtype d = icalcomponent_get_duration(ea);
	assert_int_equal(d.minutes, 15);
	assert_non_null(strstr(icalcomponent_get_description(eb), "Summer time"));
	assert_non_null(strstr(icalcomponent_get_description(eb), "Instagram (Hotel Guri i Kuq)"));
	char url[128];
	snprintf(url, sizeof url, "https://social.example.com/#/ws/%lld/posts/%lld", (long long)f->ws, (long long)b);
	assert_string_equal(icalproperty_get_url(icalcomponent_get_first_property(eb, ICAL_URL_PROPERTY)), url);
	assert_int_equal(icalcomponent_get_status(eb), ICAL_STATUS_CONFIRMED);
	icalcomponent_free(cal);
	free(text);
}

static void test_hostile_title_round_trips_and_lines_fold_at_75_octets(void **state)
{
	struct fx *f = *state;
	char when[20];
	snprintf(when, sizeof when, "%04d-05-04T18:30", f->year);
	/* A long text of 2-, 3- and 4-byte characters so that folds land
	 * everywhere inside them. */
	struct buf long_text = BUF_INIT(0);
	for (int i = 0; i < 40; i++)
		buf_adds(&long_text, "ë€🌅a,;\\");
	buf_adds(&long_text, "\nend");
	int64_t id = make_post(f, TITLE, buf_cstr(&long_text), when, NULL);
	char *text = render(f);
	/* every physical line: at most 75 octets, valid UTF-8 on its own, CRLF */
	size_t folded = 0;
	for (const char *p = text; *p;) {
		const char *eol = strstr(p, "\r\n");
		assert_non_null(eol);
		size_t n = (size_t)(eol - p);
		assert_true(n <= 75);
		assert_true(utf8_valid(p, n, NULL));
		assert_null(memchr(p, '\n', n));
		if (*p == ' ')
			folded++;
		p = eol + 2;
	}
	assert_true(folded > 10);
	icalcomponent *cal = icalparser_parse_string(text);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_count_errors(cal), 0);
	char uid[64];
	snprintf(uid, sizeof uid, "post-%lld.ws-%lld@kanal", (long long)id, (long long)f->ws);
	icalcomponent *ev = event_by_uid(cal, uid);
	assert_non_null(ev);
	assert_string_equal(icalcomponent_get_summary(ev), TITLE);
	const char *desc = icalcomponent_get_description(ev);
	assert_int_equal(strncmp(desc, buf_cstr(&long_text), long_text.len), 0);
	/* the raw text escapes what RFC 5545 says */
	assert_non_null(strstr(text, "SUMMARY:Ofertë: Mëngjes\\, çaj\\; \\\\ darkë\\nNatën 🌅 e mirë\r\n"));
	icalcomponent_free(cal);
	buf_free(&long_text);
	free(text);
}

static void test_escape_and_fold_units(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	const char *in = "a,b;c\\d\ne\r\nf\rg\x01h\ti";
	ical_escape_text(&b, in, strlen(in));
	assert_string_equal(buf_cstr(&b), "a\\,b\\;c\\\\d\\ne\\nf\\ng"
					  "h\ti");
	buf_reset(&b);
	/* 74 ASCII bytes then a 4-byte emoji: the fold comes before the emoji */
	char line[128];
	memset(line, 'x', 74);
	memcpy(line + 74, "\xF0\x9F\x8C\x85yz", 6);
	ical_fold(&b, line, 80);
	char want[160];
	memcpy(want, line, 74);
	memcpy(want + 74, "\r\n \xF0\x9F\x8C\x85yz\r\n", 11);
	want[85] = '\0';
	assert_string_equal(buf_cstr(&b), want);
	/* exactly 75 octets: no fold */
	buf_reset(&b);
	memset(line, 'y', 75);
	ical_fold(&b, line, 75);
	assert_int_equal(b.len, 77);
	buf_free(&b);
}

static void test_recurring_post_is_one_event_per_occurrence_at_local_0900(void **state)
{
	struct fx *f = *state;
	char first[20];
	/* weekly on Saturdays and Sundays, from the Saturday before the change,
	 * four times: two in winter time, two in summer time */
	snprintf(first, sizeof first, "%04d-03-%02dT09:00", f->year, f->day - 1);
	int64_t id =
	    make_post(f, "Weekend brunch", "Every weekend", first, "{\"freq\":\"weekly\",\"days\":[6,7],\"count\":4}");
	char *text = render(f);
	icalcomponent *cal = icalparser_parse_string(text);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_count_errors(cal), 0);
	int64_t want[4] = {utc_ms(f->year, 3, f->day - 1, 8, 0), utc_ms(f->year, 3, f->day, 7, 0),
			   utc_ms(f->year, 3, f->day + 6, 7, 0), 0};
	/* the fourth is the next Sunday (maybe in April) */
	want[3] = want[2] + 86400000LL;
	for (int k = 0; k < 4; k++) {
		char uid[64];
		if (k)
			snprintf(uid, sizeof uid, "post-%lld-%d.ws-%lld@kanal", (long long)id, k, (long long)f->ws);
		else
			snprintf(uid, sizeof uid, "post-%lld.ws-%lld@kanal", (long long)id, (long long)f->ws);
		icalcomponent *ev = event_by_uid(cal, uid);
		if (!ev)
			fail_msg("no event %s", uid);
		assert_true(start_ms(cal, ev) == want[k]);
		assert_int_equal(icalcomponent_get_dtstart(ev).hour, 9);
	}
	icalcomponent_free(cal);
	free(text);
}

static void test_feed_token_is_stable_hashed_and_rotates(void **state)
{
	struct fx *f = *state;
	char t1[ICAL_TOKEN_SIZE], t2[ICAL_TOKEN_SIZE], t3[ICAL_TOKEN_SIZE];
	int created = -1;
	struct err e;
	err_clear(&e);
	assert_int_equal(ical_feed_token(f->st, &f->cli, f->ws, 0, t1, &created, &e), 0);
	assert_int_equal(created, 1);
	assert_int_equal(strlen(t1), 43); /* 256 bits, base64url */
	for (const char *p = t1; *p; p++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
	assert_int_equal(ical_feed_token(f->st, &f->cli, f->ws, 0, t2, &created, &e), 0);
	assert_int_equal(created, 0);
	assert_string_equal(t1, t2);
	int64_t ws = 0;
	assert_int_equal(ical_feed_lookup(f->st, t1, &ws, &e), 0);
	assert_true(ws == f->ws);
	assert_int_equal(ical_feed_token(f->st, &f->cli, f->ws, 1, t3, &created, &e), 0);
	assert_int_equal(created, 1);
	assert_string_not_equal(t1, t3);
	err_clear(&e);
	assert_int_equal(ical_feed_lookup(f->st, t1, &ws, &e), ERR_NOTFOUND);
	assert_string_equal(e.key, "calendar.feed_not_found");
	assert_int_equal(ical_feed_lookup(f->st, t3, &ws, &e), 0);
	/* the token itself is nowhere in the database file */
	FILE *db = fopen(f->db, "rb");
	assert_non_null(db);
	struct buf all = BUF_INIT(0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, db)) > 0)
		buf_add(&all, chunk, n);
	fclose(db);
	char wal[110];
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	if ((db = fopen(wal, "rb"))) {
		while ((n = fread(chunk, 1, sizeof chunk, db)) > 0)
			buf_add(&all, chunk, n);
		fclose(db);
	}
	assert_null(memmem(all.ptr, all.len, t3, strlen(t3)));
	buf_free(&all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape_and_fold_units),
	    cmocka_unit_test_setup_teardown(test_feed_parses_with_libical_and_keeps_0900_across_dst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_title_round_trips_and_lines_fold_at_75_octets, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_recurring_post_is_one_event_per_occurrence_at_local_0900, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_feed_token_is_stable_hashed_and_rotates, setup, teardown),
	};
	return cmocka_run_group_tests_name("ical", tests, NULL, NULL);
}
