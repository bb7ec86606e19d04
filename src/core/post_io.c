/* post_io: posts in and out as CSV — the bulk import (every row checked,
 * every problem reported, nothing kept unless all rows are valid) and the
 * export with the same columns, plus naming channels by network or id. The
 * import runs the same services as the API (post_create, post_transition)
 * inside one transaction. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/time.h"
#include "core/content.h"
#include "core/csv.h"

enum col { COL_TITLE, COL_TEXT, COL_LINK, COL_TYPE, COL_CHANNELS, COL_DATE, COL_TIME, COL_TAGS, COL_NOTES, NCOLS };
static const char *const col_names[NCOLS] = {"title", "text", "link", "content_type", "channels",
					     "date",  "time", "tags", "notes"};

/* Spreadsheets run a cell that starts with one of these as a formula; the
 * export puts an apostrophe before it, the import takes it away. The
 * apostrophe itself is in the set so that the pair is exact both ways. */
static int formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' || c == '\'';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..len) without leading and trailing blanks. */
static struct str trim(const char *s, size_t len)
{
	while (len && is_space(*s))
		s++, len--;
	while (len && is_space(s[len - 1]))
		len--;
	struct str t = {s, len};
	return t;
}

static int all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 18)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* ---- channels by network or id --------------------------------------- */

int post_channels_resolve(struct store *st, int64_t ws, const char *spec, json_t **ids, struct err *e)
{
	json_t *chans;
	int rc = channel_list(st, ws, &chans, e);
	if (rc)
		return rc;
	json_t *out = json_array();
	const char *p = spec;
	while (!rc && *p) {
		size_t n = strcspn(p, "|");
		struct str item = trim(p, n);
		p += n + (p[n] == '|');
		if (!item.len)
			continue;
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(item.len < 60 ? item.len : 60), item.ptr);
		int64_t found = 0;
		size_t i, matches = 0;
		json_t *c;
		if (all_digits(item.ptr, item.len)) {
			long long want;
			str_to_i64(name, &want);
			json_array_foreach(chans, i, c)
			{
				if (json_integer_value(json_object_get(c, "id")) == want)
					found = want;
			}
			if (!found)
				rc = err_set(e, ERR_INVALID, "post.channel", name, "no channel %s in this workspace",
					     name);
		} else {
			for (char *q = name; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q + 32);
			char ids_seen[128] = "";
			json_array_foreach(chans, i, c)
			{
				if (strcmp(json_string_value(json_object_get(c, "network")), name) != 0)
					continue;
				matches++;
				found = json_integer_value(json_object_get(c, "id"));
				size_t l = strlen(ids_seen);
				snprintf(ids_seen + l, sizeof ids_seen - l, "%s%lld", l ? ", " : "", (long long)found);
			}
			if (matches == 0)
				rc = err_set(e, ERR_INVALID, "post.channel", name,
					     channel_network_valid(name) ? "no %s channel in this workspace"
									 : "%s is neither a network nor a channel id",
					     name);
			else if (matches > 1)
				rc = err_set(e, ERR_INVALID, "post.channel", name,
					     "%zu %s channels here; name one by its id (%s)", matches, name, ids_seen);
		}
		if (rc)
			break;
		int dup = 0;
		json_array_foreach(out, i, c)
		{
			if (json_integer_value(c) == found)
				dup = 1;
		}
		if (!dup)
			json_array_append_new(out, json_integer(found));
		if (json_array_size(out) > POST_VARIANTS_MAX)
			rc = err_set(e, ERR_INVALID, "post.too_many_variants", name, "at most %d channels",
				     POST_VARIANTS_MAX);
	}
	json_decref(chans);
	if (rc) {
		json_decref(out);
		return rc;
	}
	*ids = out;
	return 0;
}

/* ---- import ------------------------------------------------------------ */

struct import {
	json_t *errors, *warnings, *posts;
	size_t errors_total;
	int row_bad; /* the current row has an error */
	const char *zone;
};

static void note(struct import *im, json_t *list, long row, long line, const char *column, const char *code,
		 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void note(struct import *im, json_t *list, long row, long line, const char *column, const char *code,
		 const char *fmt, ...)
{
	if (list == im->errors) {
		im->errors_total++;
		im->row_bad = 1;
		if (json_array_size(list) >= POST_IMPORT_MAX_ERRORS)
			return;
	}
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *o =
	    json_pack("{sI sI ss ss}", "row", (json_int_t)row, "line", (json_int_t)line, "code", code, "message", msg);
	json_object_set_new(o, "column", column ? json_string(column) : json_null());
	json_array_append_new(list, o);
}

/* A header name, lower case, for messages (only printable ASCII kept). */
static void header_name(struct str f, char *out, size_t size)
{
	struct str t = trim(f.ptr, f.len);
	size_t k = 0;
	for (size_t i = 0; i < t.len && k + 1 < size; i++) {
		char c = t.ptr[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		out[k++] = c > 0x20 && c < 0x7f ? c : '?';
	}
	out[k] = '\0';
}

/* Map the header row to columns: idx[col] = field index or -1. */
static int read_header(struct import *im, const struct csv_record *h, int idx[NCOLS])
{
	for (int c = 0; c < NCOLS; c++)
		idx[c] = -1;
	int bad = 0;
	if (h->quote_error || h->too_many) {
		note(im, im->errors, 1, h->line, NULL, h->quote_error ? "csv.quote" : "csv.columns",
		     "the header row is not a plain list of column names");
		return -1;
	}
	for (size_t i = 0; i < h->n; i++) {
		char name[64];
		header_name(h->field[i], name, sizeof name);
		int c = 0;
		while (c < NCOLS && strcmp(col_names[c], name) != 0)
			c++;
		if (c == NCOLS) {
			note(im, im->errors, 1, h->line, name, "csv.columns",
			     "unknown column \"%s\"; the columns are title, text, link, content_type, channels, date, "
			     "time, "
			     "tags, notes",
			     name);
			bad = 1;
		} else if (idx[c] >= 0) {
			note(im, im->errors, 1, h->line, name, "csv.columns", "the column %s is there twice", name);
			bad = 1;
		} else {
			idx[c] = (int)i;
		}
	}
	if (idx[COL_TEXT] < 0) {
		note(im, im->errors, 1, h->line, "text", "csv.columns", "the header has no text column");
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* The cell of column c ("" when the header has no such column), without
 * the formula guard's apostrophe. */
static struct str cell(const struct csv_record *r, const int idx[NCOLS], int c)
{
	struct str s = {"", 0};
	if (idx[c] >= 0 && (size_t)idx[c] < r->n)
		s = r->field[idx[c]];
	if (s.len >= 2 && s.ptr[0] == '\'' && formula_start(s.ptr[1])) {
		s.ptr++;
		s.len--;
	}
	return s;
}

/* "9:05" or "09:05" -> "09:05"; -1 otherwise. */
static int parse_hhmm(struct str t, char out[6])
{
	if (t.len != 4 && t.len != 5)
		return -1;
	size_t h = t.len - 3;
	if (t.ptr[h] != ':')
		return -1;
	for (size_t i = 0; i < t.len; i++)
		if (i != h && (t.ptr[i] < '0' || t.ptr[i] > '9'))
			return -1;
	int hh = h == 1 ? t.ptr[0] - '0' : (t.ptr[0] - '0') * 10 + (t.ptr[1] - '0');
	int mm = (t.ptr[h + 1] - '0') * 10 + (t.ptr[h + 2] - '0');
	if (hh > 23 || mm > 59)
		return -1;
	out[0] = (char)('0' + hh / 10);
	out[1] = (char)('0' + hh % 10);
	out[2] = ':';
	out[3] = (char)('0' + mm / 10);
	out[4] = (char)('0' + mm % 10);
	out[5] = '\0';
	return 0;
}

/* 0: not YYYY-MM-DD; -1: that shape but no such day; 1: a date. */
static int is_date(struct str d)
{
	if (d.len != 10 || d.ptr[4] != '-' || d.ptr[7] != '-')
		return 0;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d.ptr[i] < '0' || d.ptr[i] > '9'))
			return 0;
	int y = (d.ptr[0] - '0') * 1000 + (d.ptr[1] - '0') * 100 + (d.ptr[2] - '0') * 10 + (d.ptr[3] - '0');
	int m = (d.ptr[5] - '0') * 10 + (d.ptr[6] - '0'), day = (d.ptr[8] - '0') * 10 + (d.ptr[9] - '0');
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || day < 1 || day > mdays[m - 1] || (m == 2 && day == 29 && !leap))
		return -1;
	return 1;
}

/* The column and code for an error the post service reported on a field. */
static void core_error(struct import *im, long row, long line, const struct err *re)
{
	static const struct {
		const char *prefix, *column, *code;
	} map[] = {
	    {"$.title", "title", "csv.title"},
	    {"$.master_text", "text", "csv.text"},
	    {"$.link", "link", "csv.link"},
	    {"$.content_type", "content_type", "csv.content_type"},
	    {"$.tags", "tags", "csv.tags"},
	    {"$.notes", "notes", "csv.notes"},
	    {"$.channel_ids", "channels", "csv.channel"},
	    {"$.variants", "text", "csv.variants"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (str_starts(re->field, map[i].prefix)) {
			note(im, im->errors, row, line, map[i].column, map[i].code, "%s (%s)", re->msg, re->key);
			return;
		}
	note(im, im->errors, row, line, NULL, "csv.row", "%s (%s)", re->msg, re->key);
}

/* Split "a|b" into a JSON array of trimmed, non-empty strings. */
static json_t *split_list(struct str s)
{
	json_t *arr = json_array();
	size_t pos = 0;
	while (pos < s.len) {
		size_t n = 0;
		while (pos + n < s.len && s.ptr[pos + n] != '|')
			n++;
		struct str t = trim(s.ptr + pos, n);
		if (t.len)
			json_array_append_new(arr, json_stringn(t.ptr, t.len));
		pos += n + 1;
	}
	return arr;
}

/* One data row: check it, create the post, schedule it when asked and
 * allowed. Returns 0 (problems are noted in the report) or a store error
 * that ends the import. */
static int import_row(struct store *st, const struct actor *a, enum role role, int64_t ws, struct import *im,
		      const struct csv_record *r, const int idx[NCOLS], long row)
{
	long line = r->line;
	im->row_bad = 0;
	for (size_t i = 0; i < r->n; i++) {
		size_t bad_at;
		const char *col = NULL;
		for (int c = 0; c < NCOLS; c++)
			if (idx[c] == (int)i)
				col = col_names[c];
		if (!utf8_valid(r->field[i].ptr, r->field[i].len, &bad_at))
			note(im, im->errors, row, line, col, "csv.encoding",
			     "not valid UTF-8 at byte %zu of the cell; save the file as UTF-8", bad_at);
		else if (memchr(r->field[i].ptr, 0, r->field[i].len))
			note(im, im->errors, row, line, col, "csv.encoding", "the cell holds a NUL character");
	}
	if (im->row_bad)
		return 0; /* the cells cannot be read as text */
	struct str text = cell(r, idx, COL_TEXT), date = trim(cell(r, idx, COL_DATE).ptr, cell(r, idx, COL_DATE).len),
		   tm = trim(cell(r, idx, COL_TIME).ptr, cell(r, idx, COL_TIME).len);
	if (trim(text.ptr, text.len).len == 0)
		note(im, im->errors, row, line, "text", "csv.text", "the text is empty");
	/* when: both date and time, or neither */
	char local[32] = "", hhmm[6] = "";
	int64_t at = 0;
	if (date.len || tm.len) {
		int when_ok = 1;
		int dv = date.len ? is_date(date) : 0;
		if (dv != 1) {
			if (dv < 0)
				note(im, im->errors, row, line, "date", "csv.date",
				     "%.10s is not a day in the calendar", date.ptr);
			else
				note(im, im->errors, row, line, "date", "csv.date",
				     date.len ? "dates are written YYYY-MM-DD, e.g. 2027-03-28"
					      : "a time needs a date (YYYY-MM-DD)");
			when_ok = 0;
		}
		if (!tm.len || parse_hhmm(tm, hhmm)) {
			note(im, im->errors, row, line, "time", "csv.time",
			     tm.len ? "times are written HH:MM (24 hours), e.g. 09:00" : "a date needs a time (HH:MM)");
			when_ok = 0;
		}
		if (when_ok) {
			struct err te;
			err_clear(&te);
			snprintf(local, sizeof local, "%.10sT%s", date.ptr, hhmm);
			if (schedule_local_to_utc(local, im->zone, &at, &te) == 0) {
				if (at < time_now_ms())
					note(im, im->errors, row, line, "date", "csv.in_past", "%s (%s) has passed",
					     local, im->zone);
			} else if (strcmp(te.key, "schedule.time_in_gap") == 0) {
				note(im, im->errors, row, line, "time", "csv.time_in_gap",
				     "%s does not exist in %s: the clocks skip it that night", local, im->zone);
			} else {
				note(im, im->errors, row, line, "date", "csv.date", "%.10s cannot be scheduled (%s)",
				     date.ptr, te.msg);
			}
		}
	}
	json_t *fields = json_object();
	struct str chans = cell(r, idx, COL_CHANNELS);
	if (chans.len) {
		char *spec = xstrndup(chans.ptr, chans.len);
		json_t *ids = NULL;
		struct err ce;
		err_clear(&ce);
		int rc = post_channels_resolve(st, ws, spec, &ids, &ce);
		free(spec);
		if (rc == ERR_INVALID)
			note(im, im->errors, row, line, "channels", "csv.channel", "%s", ce.msg);
		else if (rc) {
			json_decref(fields);
			return rc;
		} else {
			json_object_set_new(fields, "channel_ids", ids);
		}
	}
	/* The post service checks the rest, as for the API. */
	struct str title = cell(r, idx, COL_TITLE), link = trim(cell(r, idx, COL_LINK).ptr, cell(r, idx, COL_LINK).len),
		   type = trim(cell(r, idx, COL_TYPE).ptr, cell(r, idx, COL_TYPE).len), notes = cell(r, idx, COL_NOTES);
	json_object_set_new(fields, "title", json_stringn(title.ptr, title.len));
	json_object_set_new(fields, "master_text", json_stringn(text.ptr, text.len));
	if (link.len)
		json_object_set_new(fields, "link", json_stringn(link.ptr, link.len));
	if (type.len)
		json_object_set_new(fields, "content_type", json_stringn(type.ptr, type.len));
	json_object_set_new(fields, "tags", split_list(cell(r, idx, COL_TAGS)));
	json_object_set_new(fields, "notes", json_stringn(notes.ptr, notes.len));
	json_t *post = NULL;
	struct err pe;
	err_clear(&pe);
	int rc = post_create(st, a, ws, fields, &post, &pe);
	json_decref(fields);
	if (rc == ERR_INVALID || rc == ERR_CONFLICT) {
		core_error(im, row, line, &pe);
		return 0;
	}
	if (rc)
		return rc; /* the store failed: the import ends */
	int64_t id = json_integer_value(json_object_get(post, "id"));
	json_decref(post);
	const char *state = "draft";
	if (!im->row_bad && local[0]) {
		json_t *args = json_pack("{ss ss}", "local", local, "timezone", im->zone), *done = NULL;
		err_clear(&pe);
		rc = post_transition(st, a, role, ws, id, POST_SCHEDULE, args, &done, &pe);
		json_decref(args);
		json_decref(done);
		if (!rc) {
			state = "scheduled";
		} else if (rc == ERR_FORBIDDEN || strcmp(pe.key, "post.transition") == 0) {
			note(im, im->warnings, row, line, "date", "csv.not_scheduled",
			     "created as a draft: your role (%s) cannot schedule a post that is not approved",
			     role_name(role));
		} else if (rc == ERR_INVALID || rc == ERR_CONFLICT) {
			core_error(im, row, line, &pe);
		} else {
			return rc;
		}
	}
	if (!im->row_bad) {
		json_t *o = json_pack("{sI sI ss}", "row", (json_int_t)row, "id", (json_int_t)id, "state", state);
		if (strcmp(state, "scheduled") == 0) {
			json_object_set_new(o, "scheduled_at", json_time(at));
			json_object_set_new(o, "local", json_string(local));
		}
		json_array_append_new(im->posts, o);
	}
	return 0;
}

int post_import_csv(struct store *st, const struct actor *a, enum role role, int64_t ws, const char *csv, size_t len,
		    int dry_run, json_t **report, struct err *e)
{
	struct workspace w;
	int rc = workspace_get(st, ws, &w, e);
	if (rc)
		return rc;
	struct import im = {json_array(), json_array(), json_array(), 0, 0, w.timezone};
	struct csv_reader rd;
	struct csv_record rec;
	int idx[NCOLS];
	long rows = 0;
	int header_ok = 0;
	/* First pass: the header, and the number of rows before any work. */
	csv_open(&rd, csv, len);
	if (len >= 2 && ((unsigned char)csv[0] == 0xFF || (unsigned char)csv[0] == 0xFE) &&
	    ((unsigned char)csv[1] == 0xFE || (unsigned char)csv[1] == 0xFF))
		note(&im, im.errors, 1, 1, NULL, "csv.encoding", "the file is UTF-16; save it as CSV UTF-8");
	else if (!csv_next(&rd, &rec) || rec.blank)
		note(&im, im.errors, 1, 1, NULL, "csv.empty", "the file is empty; the first row names the columns");
	else if (read_header(&im, &rec, idx) == 0) {
		header_ok = 1;
		long record = 1;
		while (csv_next(&rd, &rec)) {
			record++;
			if (rec.blank)
				continue;
			if (++rows > POST_IMPORT_MAX_ROWS) {
				note(&im, im.errors, record, rec.line, NULL, "csv.too_many_rows",
				     "at most %d rows in one import; split the file", POST_IMPORT_MAX_ROWS);
				header_ok = 0;
				break;
			}
		}
		if (header_ok && rows == 0)
			note(&im, im.errors, 2, rec.line ? rec.line : 2, NULL, "csv.empty",
			     "there are no rows under the header");
	}
	csv_close(&rd);
	/* Second pass, in one transaction: create (and schedule) every row, so
	 * that a dry run is checked by exactly what a real import runs. */
	if (header_ok && rows > 0 && !(rc = store_begin(st, e))) {
		csv_open(&rd, csv, len);
		csv_next(&rd, &rec);
		long record = 1;
		while (!rc && csv_next(&rd, &rec)) {
			record++;
			if (rec.blank)
				continue;
			size_t want = 0;
			for (int c = 0; c < NCOLS; c++)
				if (idx[c] >= 0)
					want++;
			if (rec.quote_error) {
				int c = 0;
				while (c < NCOLS && idx[c] != (int)rec.quote_field)
					c++;
				note(&im, im.errors, record, rec.line, c < NCOLS ? col_names[c] : NULL, "csv.quote",
				     "a misplaced quote: quote the whole cell and double quotes inside it (\"\")");
			} else if (rec.too_many || rec.n != want) {
				note(&im, im.errors, record, rec.line, NULL, "csv.columns",
				     "this row has %s%zu cells; the header has %zu", rec.too_many ? "more than " : "",
				     rec.n, want);
			} else {
				rc = import_row(st, a, role, ws, &im, &rec, idx, record);
			}
		}
		csv_close(&rd);
		int valid = !rc && im.errors_total == 0;
		if (!rc && valid && !dry_run) {
			size_t scheduled = 0, i;
			json_t *p;
			json_array_foreach(im.posts, i, p)
			{
				if (strcmp(json_string_value(json_object_get(p, "state")), "scheduled") == 0)
					scheduled++;
			}
			char target[40];
			snprintf(target, sizeof target, "workspace:%lld", (long long)ws);
			json_t *after =
			    json_pack("{sI sI sI}", "rows", (json_int_t)rows, "scheduled", (json_int_t)scheduled,
				      "drafts", (json_int_t)(json_array_size(im.posts) - scheduled));
			rc = audit_record(st, a, ws, "post.import", target, NULL, after, e);
			json_decref(after);
			if (!rc)
				rc = store_commit(st, e);
			if (rc)
				store_rollback(st);
		} else {
			store_rollback(st);
		}
	}
	if (rc) {
		json_decref(im.errors);
		json_decref(im.warnings);
		json_decref(im.posts);
		return rc;
	}
	int valid = im.errors_total == 0;
	if (dry_run || !valid) {
		/* ids of rolled-back rows mean nothing */
		size_t i;
		json_t *p;
		json_array_foreach(im.posts, i, p)
		{
			json_object_del(p, "id");
		}
	}
	if (!valid)
		json_array_clear(im.posts);
	*report = json_pack("{sb sb sI so sI so so}", "dry_run", dry_run, "valid", valid, "rows", (json_int_t)rows,
			    "errors", im.errors, "errors_total", (json_int_t)im.errors_total, "warnings", im.warnings,
			    "posts", im.posts);
	return 0;
}

/* ---- export ------------------------------------------------------------ */

struct export_ctx {
	struct store *st;
	struct buf *out;
	json_t *chans; /* the workspace's channels, for naming by network */
	const char *zone;
	int64_t cur, last;
	size_t in_page;
	struct buf cell, names;
	/* the current post, written when the next begins */
	json_t *post;
};

static void put_cell(struct export_ctx *x, const char *s, int first)
{
	if (!first)
		buf_add(x->out, ",", 1);
	buf_reset(&x->cell);
	if (s[0] && formula_start(s[0]))
		buf_add(&x->cell, "'", 1);
	buf_adds(&x->cell, s);
	csv_write_field(x->out, buf_cstr(&x->cell), x->cell.len);
}

/* A channel's name in the file: its network when it has the only channel
 * of that network, else its id. */
static void channel_ref(struct export_ctx *x, int64_t id, const char *net, struct buf *out)
{
	size_t i, same = 0;
	json_t *c;
	json_array_foreach(x->chans, i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "network")), net) == 0)
			same++;
	}
	if (same == 1)
		buf_adds(out, net);
	else
		buf_addf(out, "%lld", (long long)id);
}

static void flush_post(struct export_ctx *x)
{
	json_t *p = x->post;
	if (!p)
		return;
	put_cell(x, json_string_value(json_object_get(p, "title")), 1);
	put_cell(x, json_string_value(json_object_get(p, "text")), 0);
	json_t *link = json_object_get(p, "link");
	put_cell(x, json_is_string(link) ? json_string_value(link) : "", 0);
	put_cell(x, json_string_value(json_object_get(p, "content_type")), 0);
	put_cell(x, buf_cstr(&x->names), 0);
	char local[20] = "", date[11] = "", tm[6] = "";
	json_t *at = json_object_get(p, "at");
	if (json_is_integer(at) && schedule_utc_to_local(json_integer_value(at), x->zone, local) == 0) {
		snprintf(date, sizeof date, "%.10s", local);
		snprintf(tm, sizeof tm, "%.5s", local + 11);
	}
	put_cell(x, date, 0);
	put_cell(x, tm, 0);
	struct buf tags = BUF_INIT(0);
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(p, "tags"), i, t)
	{
		if (i)
			buf_add(&tags, "|", 1);
		buf_adds(&tags, json_string_value(t));
	}
	put_cell(x, buf_cstr(&tags), 0);
	buf_free(&tags);
	put_cell(x, json_string_value(json_object_get(p, "notes")), 0);
	buf_add(x->out, "\r\n", 2);
	json_decref(p);
	x->post = NULL;
	buf_reset(&x->names);
}

static int export_row(void *ctx, struct store_row *r)
{
	struct export_ctx *x = ctx;
	struct store *st = x->st;
	int64_t id = store_int(st, r, 0);
	if (id != x->cur) {
		flush_post(x);
		x->cur = id;
		x->in_page++;
		const char *tags = store_text(st, r, 5);
		json_t *tj = tags ? json_loads(tags, 0, NULL) : NULL;
		x->post = json_pack("{ss ss ss ss so}", "title", store_text(st, r, 1), "text", store_text(st, r, 2),
				    "content_type", store_text(st, r, 4), "notes", store_text(st, r, 6), "tags",
				    json_is_array(tj) ? tj : json_array());
		if (tj && !json_is_array(tj))
			json_decref(tj);
		const char *link = store_text(st, r, 3);
		json_object_set_new(x->post, "link", link ? json_string(link) : json_null());
		if (!store_is_null(st, r, 7))
			json_object_set_new(x->post, "at", json_integer(store_int(st, r, 7)));
	}
	if (!store_is_null(st, r, 8)) {
		if (x->names.len)
			buf_add(&x->names, "|", 1);
		channel_ref(x, store_int(st, r, 8), store_text(st, r, 9), &x->names);
	}
	return 0;
}

int post_export_csv(struct store *st, int64_t ws, const char *state, struct buf *out, struct err *e)
{
	struct workspace w;
	int rc = workspace_get(st, ws, &w, e);
	if (rc)
		return rc;
	json_t *chans;
	if ((rc = channel_list(st, ws, &chans, e)))
		return rc;
	struct export_ctx x = {st, out, chans, w.timezone, 0, 0, 0, BUF_INIT(0), BUF_INIT(0), NULL};
	buf_adds(out, "\xEF\xBB\xBF");
	for (int c = 0; c < NCOLS; c++) {
		if (c)
			buf_add(out, ",", 1);
		buf_adds(out, col_names[c]);
	}
	buf_add(out, "\r\n", 2);
	const int64_t page = 500;
	for (;;) {
		x.in_page = 0;
		struct store_val v[] = {SV_I(ws), SV_S(state), SV_I(x.cur), SV_I(page)};
		if ((rc = store_exec(st, Q_EXPORT_POSTS, v, NARGS(v), export_row, &x, e)) < 0)
			break;
		rc = 0;
		if ((int64_t)x.in_page < page)
			break;
	}
	flush_post(&x);
	buf_free(&x.cell);
	buf_free(&x.names);
	json_decref(chans);
	return rc;
}
