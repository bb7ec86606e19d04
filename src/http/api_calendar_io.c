/* api_calendar_io: the calendar leaving and entering kanal — the secret
 * iCalendar feed (its URL for the team, the public feed itself) and the
 * CSV import and export of posts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"
#include "core/content.h"
#include "http/http.h"

/* This server's base URL for links: KANAL_PUBLIC_URL, else http://<Host>.
 * A Host with anything but host-name characters is not echoed into links
 * (it would be someone else's text in our feed). */
static const char *base_url(struct req *r)
{
	if (r->cfg->public_url) {
		size_t n = strlen(r->cfg->public_url);
		while (n && r->cfg->public_url[n - 1] == '/')
			n--;
		return arena_strndup(&r->arena, r->cfg->public_url, n);
	}
	const char *host = req_header(r, "Host");
	int ok = host && *host && strlen(host) <= 255;
	for (const char *p = host; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		     *p == '-' || *p == ':' || *p == '[' || *p == ']';
	return arena_printf(&r->arena, "http://%s", ok ? host : "localhost");
}

/* ---- the calendar feed --------------------------------------------------- */

static int feed_answer(struct req *r, int rotate, struct err *e)
{
	char token[ICAL_TOKEN_SIZE];
	int created = 0;
	int rc = ical_feed_token(r->st, &r->actor, req_ws(r), rotate, token, &created, e);
	if (rc)
		return rc;
	const char *base = base_url(r);
	char *url = arena_printf(&r->arena, "%s/ical/%s.ics", base, token);
	/* webcal:// opens the subscribe dialog of most calendar apps */
	const char *rest = strstr(url, "://");
	char *webcal = arena_printf(&r->arena, "webcal%s", rest ? rest : "");
	resp_json(r, 200, json_pack("{ss ss sb}", "url", url, "webcal_url", webcal, "created", created));
	return 0;
}

int api_calendar_feed_get(struct req *r, struct err *e)
{
	return feed_answer(r, 0, e);
}

int api_calendar_feed_rotate(struct req *r, struct err *e)
{
	return feed_answer(r, 1, e);
}

int api_ical_feed(struct req *r, struct err *e)
{
	int64_t ws;
	int rc = ical_feed_lookup(r->st, r->key ? r->key : "", &ws, e);
	if (rc)
		return rc;
	struct buf out = BUF_INIT(0);
	if ((rc = ical_feed_render(r->st, ws, base_url(r), &out, e)) == 0) {
		resp_text(r, 200, "text/calendar; charset=utf-8", buf_cstr(&out), out.len);
		resp_header(r, "Content-Disposition", "inline; filename=\"kanal.ics\"");
	}
	buf_free(&out);
	return rc;
}

/* ---- CSV ------------------------------------------------------------------ */

static int content_type_is(struct req *r, const char *want)
{
	const char *ct = req_header(r, "Content-Type");
	size_t n = strlen(want);
	return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int api_posts_import(struct req *r, struct err *e)
{
	const char *dr = req_query(r, "dry_run");
	int dry_run = 0;
	if (dr) {
		if (strcmp(dr, "1") == 0 || strcmp(dr, "true") == 0)
			dry_run = 1;
		else if (strcmp(dr, "0") != 0 && strcmp(dr, "false") != 0)
			return err_set(e, ERR_INVALID, "query.invalid", "dry_run", "dry_run is 1 or 0");
	}
	if (!content_type_is(r, "text/csv"))
		return err_set(e, ERR_UNSUPPORTED, "request.content_type", "", "send the file as text/csv");
	json_t *report = NULL;
	int rc = post_import_csv(r->st, &r->actor, r->role, req_ws(r), r->body.ptr ? r->body.ptr : "", r->body.len,
				 dry_run, &report, e);
	if (rc)
		return rc;
	if (dry_run || json_is_true(json_object_get(report, "valid"))) {
		resp_json(r, dry_run ? 200 : 201, report);
		return 0;
	}
	/* Not imported: a problem document that carries every row's problem. */
	size_t total = (size_t)json_integer_value(json_object_get(report, "errors_total"));
	json_t *p =
	    json_pack("{ss ss si ss ss ss sO sO sO}", "type", "about:blank", "title", "Bad Request", "status", 400,
		      "code", "csv.invalid", "detail",
		      total == 1 ? "1 problem in the file; nothing was imported"
				 : arena_printf(&r->arena, "%zu problems in the file; nothing was imported", total),
		      "request_id", r->request_id, "errors", json_object_get(report, "errors"), "errors_total",
		      json_object_get(report, "errors_total"), "warnings", json_object_get(report, "warnings"));
	json_decref(report);
	char *s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	resp_text(r, 400, "application/problem+json", s, strlen(s));
	free(s);
	return 0;
}

int api_posts_export(struct req *r, struct err *e)
{
	static const char *const states[] = {"draft",	  "in_review", "approved",    "scheduled", "publishing",
					     "published", "failed",    "unconfirmed", "canceled",  NULL};
	const char *state = req_query(r, "state");
	if (state) {
		int ok = 0;
		for (const char *const *s = states; *s; s++)
			if (strcmp(*s, state) == 0)
				ok = 1;
		if (!ok)
			return err_set(e, ERR_INVALID, "query.invalid", "state", "unknown state");
	}
	struct workspace w;
	int rc = workspace_get(r->st, req_ws(r), &w, e);
	if (rc)
		return rc;
	struct buf out = BUF_INIT(0);
	if ((rc = post_export_csv(r->st, req_ws(r), state, &out, e)) == 0) {
		resp_text(r, 200, "text/csv; charset=utf-8", buf_cstr(&out), out.len);
		resp_header(r, "Content-Disposition",
			    arena_printf(&r->arena, "attachment; filename=\"posts-%s.csv\"", w.slug));
	}
	buf_free(&out);
	return rc;
}
