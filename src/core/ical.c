/* ical: the workspace's calendar feed (RFC 5545) behind a secret URL — the
 * token's life (made on first use, rotated on demand, found by its hash)
 * and the feed itself: one VEVENT per scheduled post and per occurrence of
 * a recurring one, at the local time the workspace sees, with the zone's
 * VTIMEZONE so that 09:00 stays 09:00 across a DST change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "core/content.h"

#define FEED_KEY_PURPOSE "kanal calendar-feed v1"
#define SUMMARY_GRAPHEMES 60
#define EVENT_MINUTES 15 /* a post is an instant; calendars show a short block */

/* ---- the secret URL ---------------------------------------------------- */

/* token = base64url(HMAC(subkey, "<ws>.<seed>")): 43 characters. */
static void derive(int64_t ws, const char *seed, char *token)
{
	unsigned char key[32], mac[32];
	char msg[128];
	crypto_subkey(FEED_KEY_PURPOSE, key);
	snprintf(msg, sizeof msg, "%lld.%s", (long long)ws, seed);
	crypto_hmac(key, msg, strlen(msg), mac);
	crypto_b64url(mac, sizeof mac, token, ICAL_TOKEN_SIZE);
}

struct feed_row {
	int found;
	char seed[80];
	char hash[80];
};

static int feed_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct feed_row *f = c[1];
	const char *seed = store_text(c[0], r, 0), *hash = store_text(c[0], r, 1);
	f->found = 1;
	str_copy(f->seed, seed ? seed : "", sizeof f->seed);
	str_copy(f->hash, hash ? hash : "", sizeof f->hash);
	return 0;
}

int ical_feed_token(struct store *st, const struct actor *a, int64_t ws, int rotate, char *token, int *created,
		    struct err *e)
{
	struct feed_row f = {0};
	void *ctx[2] = {st, &f};
	struct store_val w = SV_I(ws);
	if (created)
		*created = 0;
	/* One transaction, so that two first requests agree on one token. */
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	if ((rc = store_exec(st, Q_FEED_GET, &w, 1, feed_row, ctx, e)) < 0)
		return core_tx_fail(st, rc);
	char hash[65];
	if (f.found && !rotate) {
		derive(ws, f.seed, token);
		crypto_hash_hex(token, strlen(token), hash);
		/* The same token unless the server's secret key changed: then the
		 * old URL is dead anyway (nobody can show it again) and a new one
		 * is made below. */
		if (crypto_streq(hash, f.hash))
			return core_tx_fail(st, 0);
	}
	unsigned char raw[32];
	char seed[65];
	crypto_random(raw, sizeof raw);
	crypto_hex(raw, sizeof raw, seed);
	derive(ws, seed, token);
	crypto_hash_hex(token, strlen(token), hash);
	struct store_val v[] = {SV_I(ws), SV_S(seed), SV_S(hash), SV_ID(a->user_id), SV_I(time_now_ms())};
	char target[40];
	snprintf(target, sizeof target, "workspace:%lld", (long long)ws);
	if ((rc = store_exec(st, Q_FEED_PUT, v, NARGS(v), NULL, NULL, e)) ||
	    (rc = audit_record(st, a, ws, f.found ? "calendar.feed_rotate" : "calendar.feed_create", target, NULL, NULL,
			       e)) ||
	    (rc = store_commit(st, e))) {
		token[0] = '\0';
		return core_tx_fail(st, rc);
	}
	if (created)
		*created = 1;
	return 0;
}

int ical_feed_lookup(struct store *st, const char *token, int64_t *ws, struct err *e)
{
	char hash[65];
	crypto_hash_hex(token, strlen(token), hash);
	struct store_val v = SV_S(hash);
	int rc = store_one_int(st, Q_FEED_BY_HASH, &v, 1, ws, e);
	if (rc == ERR_NOTFOUND)
		return err_set(e, ERR_NOTFOUND, "calendar.feed_not_found", "",
			       "no calendar feed at this address (it may have been replaced)");
	return rc;
}

/* ---- RFC 5545 text ------------------------------------------------------ */

void ical_escape_text(struct buf *out, const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;
		if (c == '\\')
			rep = "\\\\";
		else if (c == ';')
			rep = "\\;";
		else if (c == ',')
			rep = "\\,";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '\r')
			rep = i + 1 < len && s[i + 1] == '\n' ? "" : "\\n";
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			rep = ""; /* CONTROL is not allowed in TEXT */
		if (!rep)
			continue;
		buf_add(out, s + start, i - start);
		buf_adds(out, rep);
		start = i + 1;
	}
	buf_add(out, s + start, len - start);
}

void ical_fold(struct buf *out, const char *line, size_t len)
{
	size_t pos = 0, room = 75; /* continuation lines spend one octet on the space */
	while (len - pos > room) {
		size_t cut = pos + room;
		while (cut > pos && ((unsigned char)line[cut] & 0xC0) == 0x80)
			cut--;
		if (cut == pos)
			cut = pos + room; /* not UTF-8 at all: cut anywhere rather than loop */
		buf_add(out, line + pos, cut - pos);
		buf_add(out, "\r\n ", 3);
		pos = cut;
		room = 74;
	}
	buf_add(out, line + pos, len - pos);
	buf_add(out, "\r\n", 2);
}

/* One property: name (with parameters), and a value either raw (dates,
 * URIs, enumerations) or escaped TEXT. */
static void prop(struct buf *out, struct buf *tmp, const char *name, const char *value, int text)
{
	buf_reset(tmp);
	buf_adds(tmp, name);
	buf_add(tmp, ":", 1);
	if (text)
		ical_escape_text(tmp, value, strlen(value));
	else
		buf_adds(tmp, value);
	ical_fold(out, tmp->ptr, tmp->len);
}

/* "20270328T070000Z" */
static void fmt_utc(int64_t ms, char out[20])
{
	char t[32];
	time_fmt_rfc3339(ms, t, sizeof t);
	/* 2027-03-28T07:00:00.000Z */
	snprintf(out, 20, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", t, t + 5, t + 8, t + 11, t + 14, t + 17);
}

/* ---- the feed ------------------------------------------------------------ */

static const struct {
	const char *net, *label;
} net_labels[] = {
    {"x", "X"},
    {"mastodon", "Mastodon"},
    {"bluesky", "Bluesky"},
    {"threads", "Threads"},
    {"instagram", "Instagram"},
    {"linkedin", "LinkedIn"},
    {"facebook", "Facebook"},
    {"tiktok", "TikTok"},
    {"webhook", "Webhook"},
    {"manual", "Manual"},
};

static const char *net_label(const char *net)
{
	for (size_t i = 0; i < sizeof net_labels / sizeof net_labels[0]; i++)
		if (strcmp(net, net_labels[i].net) == 0)
			return net_labels[i].label;
	return net;
}

/* RFC 5545 STATUS for a post state: on its way or out is CONFIRMED; a
 * failed or unconfirmed publication needs a look (TENTATIVE). */
static const char *event_status(const char *state)
{
	if (strcmp(state, "failed") == 0 || strcmp(state, "unconfirmed") == 0)
		return "TENTATIVE";
	if (strcmp(state, "canceled") == 0)
		return "CANCELLED";
	return "CONFIRMED";
}

/* The title, else the first line of the text cut to SUMMARY_GRAPHEMES
 * (never inside a grapheme) with an ellipsis. */
static void summary(struct buf *out, const char *title, const char *text, int64_t id)
{
	while (*title == ' ' || *title == '\t')
		title++;
	if (*title) {
		buf_adds(out, title);
		return;
	}
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	size_t eol = strcspn(text, "\r\n");
	if (eol == 0) {
		buf_addf(out, "Post %lld", (long long)id);
		return;
	}
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	utf8proc_ssize_t pos = 0;
	utf8proc_int32_t prev = -1, cp;
	utf8proc_int32_t state = 0;
	size_t graphemes = 0, cut = eol;
	while ((size_t)pos < eol) {
		utf8proc_ssize_t n = utf8proc_iterate(s + pos, (utf8proc_ssize_t)(eol - (size_t)pos), &cp);
		if (n <= 0)
			break;
		if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cp, &state)) {
			if (graphemes == SUMMARY_GRAPHEMES) {
				cut = (size_t)pos;
				break;
			}
			graphemes++;
		}
		prev = cp;
		pos += n;
	}
	buf_add(out, text, cut);
	if (cut < eol)
		buf_adds(out, "…");
}

struct feed_post {
	int64_t id, at, created, updated;
	json_t *row; /* {state, title, text, local?, zone?, recurrence?, channels: [{network, name}]} */
};

struct load_ctx {
	struct store *st;
	struct feed_post *posts;
	size_t n, cap;
};

static int load_row(void *ctx, struct store_row *r)
{
	struct load_ctx *c = ctx;
	struct store *st = c->st;
	int64_t id = store_int(st, r, 0);
	if (!c->n || c->posts[c->n - 1].id != id) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->posts = xrealloc(c->posts, c->cap * sizeof *c->posts);
		}
		struct feed_post *p = &c->posts[c->n++];
		const char *rec = store_text(st, r, 7), *local = store_text(st, r, 5), *zone = store_text(st, r, 6);
		p->id = id;
		p->at = store_int(st, r, 4);
		p->created = store_int(st, r, 8);
		p->updated = store_int(st, r, 9);
		p->row = json_pack("{ss ss ss so}", "state", store_text(st, r, 1), "title", store_text(st, r, 2),
				   "text", store_text(st, r, 3), "channels", json_array());
		if (rec && local && zone) {
			json_t *rj = json_loads(rec, 0, NULL);
			if (json_is_object(rj))
				json_object_set_new(p->row, "recurrence",
						    json_pack("{so ss ss}", "rule", rj, "local", local, "zone", zone));
			else
				json_decref(rj);
		}
	}
	const char *net = store_text(st, r, 10), *name = store_text(st, r, 11);
	if (net && name)
		json_array_append_new(json_object_get(c->posts[c->n - 1].row, "channels"),
				      json_pack("{ss ss}", "network", net, "name", name));
	return 0;
}

struct feed {
	struct buf *out, tmp;
	int64_t ws;
	const char *zone, *base_url;
	int zoned; /* DTSTART with TZID (else UTC) */
	size_t events;
};

static void event(struct feed *f, const struct feed_post *p, int64_t at, int k)
{
	struct buf *out = f->out, *tmp = &f->tmp;
	json_t *row = p->row;
	const char *state = json_string_value(json_object_get(row, "state"));
	const char *title = json_string_value(json_object_get(row, "title"));
	const char *text = json_string_value(json_object_get(row, "text"));
	char v[160], url[700];
	buf_adds(out, "BEGIN:VEVENT\r\n");
	/* Occurrence 0 keeps the post's own UID, so that making a post recurring
	 * does not replace its event. */
	if (k > 0)
		snprintf(v, sizeof v, "post-%lld-%d.ws-%lld@kanal", (long long)p->id, k, (long long)f->ws);
	else
		snprintf(v, sizeof v, "post-%lld.ws-%lld@kanal", (long long)p->id, (long long)f->ws);
	prop(out, tmp, "UID", v, 0);
	/* Without METHOD, DTSTAMP is when the information last changed. */
	fmt_utc(p->updated, v);
	prop(out, tmp, "DTSTAMP", v, 0);
	prop(out, tmp, "LAST-MODIFIED", v, 0);
	fmt_utc(p->created, v);
	prop(out, tmp, "CREATED", v, 0);
	char local[20];
	int64_t back;
	/* The local wall time when it names the instant exactly; else (seconds,
	 * or the second pass through an overlap hour) UTC. */
	if (f->zoned && schedule_utc_to_local(at, f->zone, local) == 0 &&
	    schedule_local_to_utc(local, f->zone, &back, NULL) == 0 && back == at) {
		char name[100];
		snprintf(name, sizeof name, "DTSTART;TZID=%s", f->zone);
		snprintf(v, sizeof v, "%.4s%.2s%.2sT%.2s%.2s00", local, local + 5, local + 8, local + 11, local + 14);
		prop(out, tmp, name, v, 0);
	} else {
		fmt_utc(at, v);
		prop(out, tmp, "DTSTART", v, 0);
	}
	snprintf(v, sizeof v, "PT%dM", EVENT_MINUTES);
	prop(out, tmp, "DURATION", v, 0);
	struct buf s = BUF_INIT(0);
	summary(&s, title, text, p->id);
	prop(out, tmp, "SUMMARY", buf_cstr(&s), 1);
	snprintf(url, sizeof url, "%s/#/ws/%lld/posts/%lld", f->base_url, (long long)f->ws, (long long)p->id);
	/* DESCRIPTION: the text, then where it goes, its state and the link. */
	buf_reset(&s);
	buf_adds(&s, text);
	json_t *chans = json_object_get(row, "channels");
	size_t i;
	json_t *c;
	if (json_array_size(chans)) {
		buf_adds(&s, "\n\nChannels: ");
		json_array_foreach(chans, i, c)
		{
			buf_addf(&s, "%s%s (%s)", i ? ", " : "",
				 net_label(json_string_value(json_object_get(c, "network"))),
				 json_string_value(json_object_get(c, "name")));
		}
	}
	buf_addf(&s, "\nState: %s\n%s", state, url);
	prop(out, tmp, "DESCRIPTION", buf_cstr(&s), 1);
	/* CATEGORIES: the networks, once each */
	buf_reset(&s);
	json_array_foreach(chans, i, c)
	{
		const char *net = json_string_value(json_object_get(c, "network"));
		int seen = 0;
		for (size_t j = 0; j < i; j++)
			if (strcmp(net, json_string_value(json_object_get(json_array_get(chans, j), "network"))) == 0)
				seen = 1;
		if (!seen) {
			if (s.len)
				buf_add(&s, ",", 1);
			ical_escape_text(&s, net, strlen(net));
		}
	}
	if (s.len)
		prop(out, tmp, "CATEGORIES", buf_cstr(&s), 0);
	buf_free(&s);
	prop(out, tmp, "URL", url, 0);
	prop(out, tmp, "STATUS", event_status(state), 0);
	prop(out, tmp, "X-KANAL-STATE", state, 1);
	buf_adds(out, "END:VEVENT\r\n");
	f->events++;
}

struct occ_ctx {
	struct feed *f;
	const struct feed_post *p;
};

static int occurrence(void *ctx, int64_t at, const char *local, int k)
{
	(void)local;
	struct occ_ctx *o = ctx;
	event(o->f, o->p, at, k);
	return o->f->events >= ICAL_FEED_MAX_EVENTS;
}

int ical_feed_render(struct store *st, int64_t ws, const char *base_url, struct buf *out, struct err *e)
{
	struct workspace w;
	int rc = workspace_get(st, ws, &w, e);
	if (rc)
		return rc;
	int64_t now = time_now_ms();
	int64_t from = now - ICAL_FEED_DAYS_BACK * 86400000LL, to = now + ICAL_FEED_DAYS_AHEAD * 86400000LL;
	struct load_ctx lc = {st, NULL, 0, 0};
	struct store_val v[] = {SV_I(ws), SV_I(from), SV_I(to), SV_I(ICAL_FEED_MAX_EVENTS)};
	rc = store_exec(st, Q_FEED_POSTS, v, NARGS(v), load_row, &lc, e);
	struct feed f = {out, BUF_INIT(0), ws, w.timezone, base_url, 0, 0};
	if (rc >= 0) {
		char name[sizeof w.name + 16];
		snprintf(name, sizeof name, "%s (kanal)", w.name);
		buf_adds(out, "BEGIN:VCALENDAR\r\n");
		prop(out, &f.tmp, "VERSION", "2.0", 0);
		prop(out, &f.tmp, "PRODID", "-//kanal//kanal " KANAL_VERSION "//EN", 0);
		prop(out, &f.tmp, "CALSCALE", "GREGORIAN", 0);
		prop(out, &f.tmp, "NAME", name, 1);
		prop(out, &f.tmp, "X-WR-CALNAME", name, 1);
		prop(out, &f.tmp, "X-WR-TIMEZONE", w.timezone, 1);
		prop(out, &f.tmp, "REFRESH-INTERVAL;VALUE=DURATION", "PT1H", 0);
		prop(out, &f.tmp, "X-PUBLISHED-TTL", "PT1H", 0);
		/* UTC needs no VTIMEZONE; any other zone is described in full so
		 * that a calendar converts with the same rules kanal used. */
		f.zoned = time_zone_vtimezone(w.timezone, out) == 0;
		for (size_t i = 0; i < lc.n && f.events < ICAL_FEED_MAX_EVENTS; i++) {
			const struct feed_post *p = &lc.posts[i];
			json_t *rec = json_object_get(p->row, "recurrence");
			if (rec) {
				/* the same expansion as the calendar, so both show the same days */
				struct occ_ctx o = {&f, p};
				schedule_expand(json_string_value(json_object_get(rec, "local")),
						json_string_value(json_object_get(rec, "zone")),
						json_object_get(rec, "rule"), from, to, occurrence, &o);
			} else if (p->at >= from && p->at < to) {
				event(&f, p, p->at, 0);
			}
		}
		buf_adds(out, "END:VCALENDAR\r\n");
	}
	for (size_t i = 0; i < lc.n; i++)
		json_decref(lc.posts[i].row);
	free(lc.posts);
	buf_free(&f.tmp);
	return rc < 0 ? rc : 0;
}
