/* cmd_post: kanal post create | list | show | validate, kanal calendar (a
 * table in the terminal) and kanal import posts — over the same core
 * services as the API, acting as the local command line (every right). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "cli/cli.h"
#include "core/content.h"

#define IMPORT_FILE_MAX ((size_t)16 << 20)

/* ---- shared ---------------------------------------------------------------- */

/* Options: "--name value" pairs and flags; the rest are positional. */
struct opts {
	const char *workspace, *text, *title, *channels, *link, *state, *date;
	int week, month, dry_run;
	const char *pos[4];
	int npos;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} valued[] = {
	    {"--workspace", offsetof(struct opts, workspace)}, {"--text", offsetof(struct opts, text)},
	    {"--title", offsetof(struct opts, title)},	       {"--channels", offsetof(struct opts, channels)},
	    {"--link", offsetof(struct opts, link)},	       {"--state", offsetof(struct opts, state)},
	    {"--date", offsetof(struct opts, date)},
	};
	memset(o, 0, sizeof *o);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		size_t k = 0;
		while (k < sizeof valued / sizeof valued[0] && strcmp(a, valued[k].name) != 0)
			k++;
		if (k < sizeof valued / sizeof valued[0]) {
			if (i + 1 >= argc)
				return -1;
			*(const char **)((char *)o + valued[k].off) = argv[++i];
		} else if (strcmp(a, "--week") == 0) {
			o->week = 1;
		} else if (strcmp(a, "--month") == 0) {
			o->month = 1;
		} else if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
		} else if ((a[0] != '-' || strcmp(a, "-") == 0) && o->npos < 4) {
			o->pos[o->npos++] = a;
		} else {
			return -1;
		}
	}
	return 0;
}

static int open_ws(const struct config *cfg, const char *ref, struct store **st, struct workspace *w, struct err *e)
{
	int rc = cli_open_store(cfg, st, e);
	if (rc)
		return rc;
	if ((rc = workspace_find(*st, ref, w, e))) {
		store_close(*st);
		*st = NULL;
	}
	return rc;
}

/* Print at most width characters of s (never cutting a UTF-8 sequence),
 * padded with spaces to width when pad. Newlines print as spaces. */
static void put_cut(const char *s, size_t width, int pad)
{
	size_t chars = 0, i = 0;
	while (s[i] && chars < width) {
		size_t n = 1;
		while (((unsigned char)s[i + n] & 0xC0) == 0x80)
			n++;
		if (chars + 1 == width && s[i + n]) {
			fputs("…", stdout);
		} else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
			putchar(' ');
		} else {
			fwrite(s + i, 1, n, stdout);
		}
		chars++;
		i += n;
	}
	for (; pad && chars < width; chars++)
		putchar(' ');
}

static const char *str_or(json_t *v, const char *dflt)
{
	return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : dflt;
}

/* "2027-03-28T09:00" of a post's scheduled_at in zone, or "". */
static void local_of(json_t *post, const char *zone, char out[20])
{
	int64_t at;
	out[0] = '\0';
	const char *s = json_string_value(json_object_get(post, "scheduled_at"));
	if (s && time_parse_rfc3339(s, &at) == 0)
		schedule_utc_to_local(at, zone, out);
}

static int valid_state(const char *s)
{
	static const char *const states[] = {"draft",	  "in_review", "approved",    "scheduled", "publishing",
					     "published", "failed",    "unconfirmed", "canceled",  NULL};
	for (const char *const *p = states; *p; p++)
		if (strcmp(*p, s) == 0)
			return 1;
	return 0;
}

/* ---- post ------------------------------------------------------------------ */

static int post_create_cmd(struct store *st, const struct workspace *w, const struct opts *o, struct err *e)
{
	struct actor a;
	actor_cli(&a);
	json_t *fields = json_pack("{ss}", "master_text", o->text);
	if (!fields)
		return err_set(e, ERR_INVALID, "cli.encoding", "--text", "the text is not valid UTF-8");
	int rc = 0;
	if (o->title)
		json_object_set_new(fields, "title", json_string(o->title));
	if (o->link)
		json_object_set_new(fields, "link", json_string(o->link));
	if (o->channels) {
		json_t *ids = NULL;
		if ((rc = post_channels_resolve(st, w->id, o->channels, &ids, e)) == 0)
			json_object_set_new(fields, "channel_ids", ids);
	}
	json_t *p = NULL;
	if (!rc && json_object_size(fields) != 1 + (size_t) !!o->title + (size_t) !!o->link + (size_t) !!o->channels)
		rc = err_set(e, ERR_INVALID, "cli.encoding", "", "the title or link is not valid UTF-8");
	if (!rc)
		rc = post_create(st, &a, w->id, fields, &p, e);
	json_decref(fields);
	if (rc)
		return rc;
	json_t *vars = json_object_get(p, "variants");
	printf("created post %lld (%s) in %s", (long long)json_integer_value(json_object_get(p, "id")),
	       json_string_value(json_object_get(p, "state")), w->name);
	size_t i;
	json_t *v;
	json_array_foreach(vars, i, v)
	{
		printf("%s%s", i ? ", " : " for ",
		       json_string_value(json_object_get(json_object_get(v, "channel"), "network")));
	}
	printf("\n");
	json_decref(p);
	return 0;
}

static int post_list_cmd(struct store *st, const struct workspace *w, const struct opts *o, struct err *e)
{
	if (o->state && !valid_state(o->state))
		return err_set(e, ERR_INVALID, "cli.state", "--state",
			       "the states are draft, in_review, approved, scheduled, publishing, published, failed, "
			       "unconfirmed, canceled");
	json_t *posts = NULL;
	int rc = post_list(st, w->id, o->state, 0, 0, 0, 200, &posts, e);
	if (rc)
		return rc;
	printf("%-6s %-11s %-17s %s\n", "ID", "STATE", "WHEN", "TITLE");
	size_t i;
	json_t *p;
	json_array_foreach(posts, i, p)
	{
		char local[20];
		local_of(p, w->timezone, local);
		if (local[0])
			local[10] = ' ';
		printf("%-6lld %-11s %-17s ", (long long)json_integer_value(json_object_get(p, "id")),
		       json_string_value(json_object_get(p, "state")), local[0] ? local : "-");
		put_cut(str_or(json_object_get(p, "title"), str_or(json_object_get(p, "master_text"), "")), 60, 0);
		printf("\n");
	}
	printf("%zu post(s)%s\n", json_array_size(posts), json_array_size(posts) == 200 ? " (the newest 200)" : "");
	json_decref(posts);
	return 0;
}

static int post_id_arg(const struct opts *o, long long *id)
{
	return o->npos == 2 && str_to_i64(o->pos[1], id) == 0 && *id > 0 ? 0 : -1;
}

/* "123/280" or "-" when the network counts nothing (webhook, manual). */
static void count_of(json_t *v, char *out, size_t size)
{
	json_t *c = json_object_get(v, "count");
	if (json_is_object(c))
		snprintf(out, size, "%lld/%lld", (long long)json_integer_value(json_object_get(c, "length")),
			 (long long)json_integer_value(json_object_get(c, "limit")));
	else
		snprintf(out, size, "-");
}

static void print_problems(json_t *v)
{
	size_t k;
	json_t *pr;
	json_array_foreach(json_object_get(v, "problems"), k, pr)
	{
		json_t *part = json_object_get(pr, "part");
		printf("%s%s", k ? ", " : "", json_string_value(json_object_get(pr, "code")));
		if (json_is_integer(part))
			printf(" (part %lld)", (long long)json_integer_value(part) + 1);
		if (json_integer_value(json_object_get(pr, "limit")))
			printf(" %lld/%lld", (long long)json_integer_value(json_object_get(pr, "value")),
			       (long long)json_integer_value(json_object_get(pr, "limit")));
	}
}

static int post_show_cmd(struct store *st, const struct workspace *w, const struct opts *o, struct err *e)
{
	long long id;
	if (post_id_arg(o, &id))
		return CLI_USAGE;
	json_t *p = NULL;
	int rc = post_get(st, w->id, id, &p, e);
	if (rc)
		return rc;
	char local[20];
	local_of(p, w->timezone, local);
	if (local[0])
		local[10] = ' ';
	printf("Post %lld · %s", id, json_string_value(json_object_get(p, "state")));
	if (local[0])
		printf(" · %s %s", local, w->timezone);
	printf("\n");
	printf("Title:    %s\n", str_or(json_object_get(p, "title"), "-"));
	printf("Type:     %s\n", json_string_value(json_object_get(p, "content_type")));
	printf("Link:     %s\n", str_or(json_object_get(p, "link"), "-"));
	printf("Tags:     ");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(p, "tags"), i, v)
	{
		printf("%s%s", i ? ", " : "", json_string_value(v));
	}
	printf("%s\nText:\n", json_array_size(json_object_get(p, "tags")) ? "" : "-");
	const char *text = json_string_value(json_object_get(p, "master_text"));
	for (const char *line = text; line && *line;) {
		size_t n = strcspn(line, "\n");
		printf("  %.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
	printf("Variants:\n");
	if (!json_array_size(json_object_get(p, "variants")))
		printf("  (no channels)\n");
	json_array_foreach(json_object_get(p, "variants"), i, v)
	{
		json_t *ch = json_object_get(v, "channel");
		char count[48];
		count_of(v, count, sizeof count);
		printf("  %-10s ", json_string_value(json_object_get(ch, "network")));
		put_cut(json_string_value(json_object_get(ch, "name")), 24, 1);
		printf(" %-11s %s", count, json_is_string(json_object_get(v, "text")) ? "own text" : "from the master");
		if (json_array_size(json_object_get(v, "problems"))) {
			printf("  problems: ");
			print_problems(v);
		}
		printf("\n");
	}
	const char *notes = json_string_value(json_object_get(p, "notes"));
	if (notes && *notes)
		printf("Notes:    %s\n", notes);
	if (json_array_size(json_object_get(p, "comments"))) {
		printf("Comments:\n");
		json_array_foreach(json_object_get(p, "comments"), i, v)
		{
			printf("  %.10s %s (%s): %s\n", json_string_value(json_object_get(v, "created_at")),
			       json_string_value(json_object_get(v, "author")),
			       json_string_value(json_object_get(v, "kind")),
			       json_string_value(json_object_get(v, "body")));
		}
	}
	json_decref(p);
	return 0;
}

static int post_validate_cmd(struct store *st, const struct workspace *w, const struct opts *o, struct err *e)
{
	long long id;
	if (post_id_arg(o, &id))
		return CLI_USAGE;
	json_t *p = NULL;
	int rc = post_get(st, w->id, id, &p, e);
	if (rc)
		return rc;
	size_t bad = 0, i;
	json_t *v, *vars = json_object_get(p, "variants");
	printf("%-10s %-24s %-11s %s\n", "NETWORK", "CHANNEL", "COUNT", "PROBLEMS");
	json_array_foreach(vars, i, v)
	{
		json_t *ch = json_object_get(v, "channel");
		char count[48];
		count_of(v, count, sizeof count);
		printf("%-10s ", json_string_value(json_object_get(ch, "network")));
		put_cut(json_string_value(json_object_get(ch, "name")), 24, 1);
		printf(" %-11s ", count);
		if (json_array_size(json_object_get(v, "problems"))) {
			bad++;
			print_problems(v);
		} else {
			printf("ok");
		}
		printf("\n");
	}
	size_t n = json_array_size(vars);
	json_decref(p);
	if (!n)
		return err_set(e, ERR_INVALID, "post.no_channels", "", "post %lld has no channels to publish to", id);
	if (bad)
		return err_set(e, ERR_INVALID, "post.invalid_variants", "",
			       "%zu of %zu variant(s) of post %lld have problems", bad, n, id);
	printf("post %lld is ready for %zu channel(s)\n", id, n);
	return 0;
}

int cmd_post(struct config *cfg, int argc, char **argv, struct err *e)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) || o.npos < 1 || !o.workspace || o.week || o.month || o.dry_run || o.date)
		return CLI_USAGE;
	const char *sub = o.pos[0];
	int create = strcmp(sub, "create") == 0, list = strcmp(sub, "list") == 0, show = strcmp(sub, "show") == 0,
	    validate = strcmp(sub, "validate") == 0;
	if ((create && (!o.text || o.npos != 1 || o.state)) ||
	    (list && (o.npos != 1 || o.text || o.title || o.channels || o.link)) ||
	    ((show || validate) && (o.npos != 2 || o.text || o.title || o.channels || o.link || o.state)) ||
	    (!create && !list && !show && !validate))
		return CLI_USAGE;
	struct store *st;
	struct workspace w;
	int rc = open_ws(cfg, o.workspace, &st, &w, e);
	if (rc)
		return rc;
	if (create)
		rc = post_create_cmd(st, &w, &o, e);
	else if (list)
		rc = post_list_cmd(st, &w, &o, e);
	else if (show)
		rc = post_show_cmd(st, &w, &o, e);
	else
		rc = post_validate_cmd(st, &w, &o, e);
	store_close(st);
	return rc;
}

/* ---- calendar -------------------------------------------------------------- */

/* "YYYY-MM-DD" -> days since 1970-01-01; -1 when not a date. */
static int parse_day(const char *s, int64_t *day)
{
	int y, m, d;
	char tail;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' || s[7] != '-' ||
	    y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*day = time_days_from_civil(y, m, d);
	int y2, m2, d2;
	time_civil_from_days(*day, &y2, &m2, &d2);
	return y2 == y && m2 == m && d2 == d ? 0 : -1;
}

static void fmt_day(int64_t day, char out[11])
{
	int y, m, d;
	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

int cmd_calendar(struct config *cfg, int argc, char **argv, struct err *e)
{
	static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct opts o;
	if (parse_opts(argc, argv, &o) || o.npos || !o.workspace || (o.week && o.month) || o.text || o.title ||
	    o.channels || o.link || o.state || o.dry_run)
		return CLI_USAGE;
	struct store *st;
	struct workspace w;
	int rc = open_ws(cfg, o.workspace, &st, &w, e);
	if (rc)
		return rc;
	int64_t day;
	char today[20];
	if (o.date) {
		if (parse_day(o.date, &day)) {
			store_close(st);
			return err_set(e, ERR_INVALID, "cli.date", "--date", "the date is YYYY-MM-DD, e.g. 2027-03-28");
		}
	} else {
		schedule_utc_to_local(time_now_ms(), w.timezone, today);
		today[10] = '\0';
		parse_day(today, &day);
	}
	int64_t first, last;
	int y, m, d;
	time_civil_from_days(day, &y, &m, &d);
	if (o.month) {
		first = time_days_from_civil(y, m, 1);
		last = (m == 12 ? time_days_from_civil(y + 1, 1, 1) : time_days_from_civil(y, m + 1, 1)) - 1;
	} else {
		first = day - (((day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
		last = first + 6;
	}
	char from[11], to[11];
	fmt_day(first, from);
	fmt_day(last, to);
	json_t *cal = NULL;
	rc = calendar_range(st, w.id, from, to, &cal, e);
	store_close(st);
	if (rc)
		return rc;
	printf("%s · %s %s to %s · %s\n\n", w.name, o.month ? "month" : "week", from, to, w.timezone);
	json_t *posts = json_object_get(cal, "posts");
	size_t next = 0, total = json_array_size(posts);
	for (int64_t k = first; k <= last; k++) {
		char date[11];
		fmt_day(k, date);
		time_civil_from_days(k, &y, &m, &d);
		char label[16];
		snprintf(label, sizeof label, "%s %02d %s", wd[((k % 7) + 7 + 3) % 7], d % 100, mon[(m - 1) % 12]);
		int any = 0;
		/* the calendar is ordered by time: this day's posts come next */
		while (next < total) {
			json_t *p = json_array_get(posts, next);
			const char *local = json_string_value(json_object_get(p, "local"));
			if (!local || strncmp(local, date, 10) != 0)
				break;
			printf("%-12s %.5s  ", any ? "" : label, local + 11);
			put_cut(str_or(json_object_get(p, "title"), str_or(json_object_get(p, "excerpt"), "")), 40, 1);
			printf("  ");
			size_t i;
			json_t *c;
			json_array_foreach(json_object_get(p, "channels"), i, c)
			{
				printf("%s%s", i ? ", " : "", json_string_value(json_object_get(c, "network")));
			}
			printf("  [%s]\n", json_string_value(json_object_get(p, "state")));
			any = 1;
			next++;
		}
		if (!any)
			printf("%-12s -\n", label);
	}
	printf("\n%zu post(s)\n", total);
	json_decref(cal);
	return 0;
}

/* ---- import ---------------------------------------------------------------- */

/* Read a whole file (or stdin for "-") of at most IMPORT_FILE_MAX bytes. */
static int read_file(const char *path, struct buf *out, struct err *e)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return err_set(e, ERR_IO, "cli.file", path, "cannot read %s", path);
	out->max = IMPORT_FILE_MAX;
	char chunk[65536];
	size_t n;
	int rc = 0;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(out, chunk, n))
			rc = err_set(e, ERR_TOOLARGE, "csv.too_large", path, "%s is larger than %zu MiB", path,
				     IMPORT_FILE_MAX >> 20);
	if (!rc && ferror(f))
		rc = err_set(e, ERR_IO, "cli.file", path, "cannot read %s", path);
	if (f != stdin)
		fclose(f);
	return rc;
}

static void print_notes(json_t *list, const char *kind)
{
	size_t i;
	json_t *n;
	json_array_foreach(list, i, n)
	{
		json_t *col = json_object_get(n, "column");
		printf("%s row %lld (line %lld)%s%s: %s: %s\n", kind,
		       (long long)json_integer_value(json_object_get(n, "row")),
		       (long long)json_integer_value(json_object_get(n, "line")), json_is_string(col) ? ", " : "",
		       json_is_string(col) ? json_string_value(col) : "", json_string_value(json_object_get(n, "code")),
		       json_string_value(json_object_get(n, "message")));
	}
}

int cmd_import(struct config *cfg, int argc, char **argv, struct err *e)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) || o.npos != 2 || strcmp(o.pos[0], "posts") != 0 || !o.workspace || o.text ||
	    o.title || o.channels || o.link || o.state || o.date || o.week || o.month)
		return CLI_USAGE;
	struct buf file = BUF_INIT(0);
	int rc = read_file(o.pos[1], &file, e);
	struct store *st = NULL;
	struct workspace w;
	memset(&w, 0, sizeof w);
	if (!rc)
		rc = open_ws(cfg, o.workspace, &st, &w, e);
	json_t *report = NULL;
	if (!rc) {
		struct actor a;
		actor_cli(&a);
		/* the command line has every right: rows with a date are scheduled */
		rc = post_import_csv(st, &a, ROLE_OWNER, w.id, file.ptr ? file.ptr : "", file.len, o.dry_run, &report,
				     e);
		store_close(st);
	}
	buf_free(&file);
	if (rc)
		return rc;
	print_notes(json_object_get(report, "errors"), "error:");
	print_notes(json_object_get(report, "warnings"), "warning:");
	long long rows = json_integer_value(json_object_get(report, "rows"));
	long long total = json_integer_value(json_object_get(report, "errors_total"));
	size_t scheduled = 0, i;
	json_t *p, *posts = json_object_get(report, "posts");
	json_array_foreach(posts, i, p)
	{
		if (strcmp(json_string_value(json_object_get(p, "state")), "scheduled") == 0)
			scheduled++;
	}
	if (total) {
		if ((size_t)total > json_array_size(json_object_get(report, "errors")))
			printf("(%lld problems in all; the first %zu are listed)\n", total,
			       json_array_size(json_object_get(report, "errors")));
		rc = err_set(e, ERR_INVALID, "csv.invalid", "", "%lld problem(s) in %s; nothing was %s", total,
			     o.pos[1], o.dry_run ? "written (dry run)" : "imported");
	} else if (o.dry_run) {
		printf("%lld row(s) are valid: %zu would be scheduled, %zu drafts; nothing was written (dry run)\n",
		       rows, scheduled, json_array_size(posts) - scheduled);
	} else {
		printf("imported %zu post(s) into %s: %zu scheduled, %zu drafts\n", json_array_size(posts), w.name,
		       scheduled, json_array_size(posts) - scheduled);
	}
	json_decref(report);
	return rc;
}
