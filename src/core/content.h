/* content: channels (a workspace's accounts on each network), posts with a
 * master text and one variant per channel, the approval workflow and the
 * schedule. Objects cross this interface as JSON (jansson): the core
 * validates what comes in and builds what goes out. */
#ifndef KANAL_CONTENT_H
#define KANAL_CONTENT_H

#include <jansson.h>
#include <stdint.h>

#include "base/buf.h"
#include "core/core.h"

#define POST_TEXT_MAX 65536      /* bytes (the JSON string limit); the networks' limits are far lower */
#define POST_VARIANTS_MAX 50
#define POST_TAGS_MAX 30
#define THREAD_PARTS_MAX 50
#define CHANNEL_SLOTS_MAX 100

/* ---- channels (core/channel.c) --------------------------------------- */
/* fields: network (required), name (required), handle, timezone (default:
 * the workspace's), limits {max_chars, url_weight, max_hashtags,
 * max_mentions, max_links, max_bytes}, slots [{day 1-7 (Monday = 1), time
 * "HH:MM"}]. *out (caller decrefs) is the stored channel. */
int channel_create(struct store *st, const struct actor *a, int64_t ws, json_t *fields, json_t **out, struct err *e);
int channel_update(struct store *st, const struct actor *a, int64_t ws, int64_t id, json_t *fields, json_t **out,
		   struct err *e);
int channel_delete(struct store *st, const struct actor *a, int64_t ws, int64_t id, struct err *e);
int channel_get(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e);
int channel_list(struct store *st, int64_t ws, json_t **out, struct err *e);
/* 1 when network is one kanal knows (the text networks plus webhook, manual). */
int channel_network_valid(const char *network);

/* ---- posts (core/post.c) --------------------------------------------- */
enum post_action {
	POST_SUBMIT,          /* draft -> in_review */
	POST_APPROVE,         /* in_review -> approved */
	POST_REQUEST_CHANGES, /* in_review -> draft, with a comment */
	POST_SCHEDULE,        /* approved (or draft/in_review for approvers) -> scheduled */
	POST_UNSCHEDULE,      /* scheduled -> approved */
	POST_CANCEL,          /* any state not yet publishing -> canceled */
	POST_REOPEN,          /* canceled / failed -> draft */
	POST__ACTIONS
};
/* "submit", "approve", ...; -1 when unknown. */
int post_action_parse(const char *s);
const char *post_action_name(enum post_action a);

/* fields: title, master_text, link, content_type, tags [], media [], notes,
 * channel_ids [] (one variant each). */
int post_create(struct store *st, const struct actor *a, int64_t ws, json_t *fields, json_t **out, struct err *e);
/* The post with its variants, each with the count and problems its network
 * sees, and its comments. */
int post_get(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e);
/* query: state?, from_ms?, to_ms? (0 = none), before_id, limit. */
int post_list(struct store *st, int64_t ws, const char *state, int64_t from_ms, int64_t to_ms, int64_t before_id,
	      int limit, json_t **out, struct err *e);
/* Change master fields and/or the channel set. Editing an approved or
 * scheduled post sends it back to draft (it needs approval again). */
int post_update(struct store *st, const struct actor *a, enum role role, int64_t ws, int64_t id, json_t *fields,
		json_t **out, struct err *e);
int post_delete(struct store *st, const struct actor *a, int64_t ws, int64_t id, struct err *e);
/* fields: text, link, first_comment, alt_text, thread [], media [] (null
 * clears an override). */
int variant_update(struct store *st, const struct actor *a, int64_t ws, int64_t post_id, int64_t variant_id,
		   json_t *fields, json_t **out, struct err *e);
/* Move a post through the workflow. role decides what is allowed
 * (post.transition 409 for the wrong state, auth.forbidden 403 for the
 * wrong role). args: comment (required for request_changes), and for
 * schedule either scheduled_at (RFC 3339) or local ("2026-12-01T09:00")
 * with timezone (default: the workspace's). */
int post_transition(struct store *st, const struct actor *a, enum role role, int64_t ws, int64_t id,
		    enum post_action action, json_t *args, json_t **out, struct err *e);
int post_comment(struct store *st, const struct actor *a, int64_t ws, int64_t id, const char *kind,
		 const char *body, struct err *e);

/* ---- schedule and calendar (core/schedule.c) ------------------------- */
/* Local wall time "YYYY-MM-DDTHH:MM[:SS]" in zone -> UTC ms. A time in a
 * DST gap is schedule.time_in_gap (400); in an overlap the first (earlier)
 * instant is taken. */
int schedule_local_to_utc(const char *local, const char *zone, int64_t *ms, struct err *e);
/* UTC ms -> local "YYYY-MM-DDTHH:MM" in zone. */
int schedule_utc_to_local(int64_t ms, const char *zone, char out[20]);
/* Posts scheduled between local dates from and to (inclusive,
 * "YYYY-MM-DD") in the workspace's zone, with their channels. */
int calendar_range(struct store *st, int64_t ws, const char *from, const char *to, json_t **out, struct err *e);
/* The same, written as JSON text into out (the HTTP answer). */
int calendar_range_write(struct store *st, int64_t ws, const char *from, const char *to, struct buf *out,
			 struct err *e);
/* calendar_range_write through a cache of recent answers, kept while the
 * workspace's calendar version (moved by triggers on every change the
 * calendar shows) stays the same. etag (at least CALENDAR_ETAG_SIZE bytes)
 * names the answer, quoted: the same etag, the same bytes; "" when a
 * change landed while it was read (the answer is then not named). */
#define CALENDAR_ETAG_SIZE 80
int calendar_range_cached(struct store *st, int64_t ws, const char *from, const char *to, struct buf *out,
			  char *etag, struct err *e);
/* Check a recurrence {freq: daily|weekly|monthly, interval 1-365, days
 * [1-7] (weekly), until "YYYY-MM-DD" and/or count 1-500}: schedule.recurrence. */
int schedule_check_recurrence(json_t *rec, struct err *e);
/* Call fn for each occurrence (the first included) at the same local wall
 * time in zone, between from_ms and to_ms; occurrences in a DST gap are
 * skipped. fn returns non-zero to stop. Returns 0, or -1 for a bad start. */
int schedule_expand(const char *first_local, const char *zone, json_t *rec, int64_t from_ms, int64_t to_ms,
		    int (*fn)(void *ctx, int64_t at, const char *local, int k), void *ctx);
/* The next free posting slot of a channel after after_ms. */
int schedule_next_slot(struct store *st, int64_t ws, int64_t channel_id, int64_t after_ms, int64_t *slot_ms,
		       struct err *e);

/* ---- review links (core/share.c) ------------------------------------ */
/* A signed link to one post, valid for days (1-30); token (size >= 256). */
int share_create(struct store *st, const struct actor *a, int64_t ws, int64_t post, long long days, char *token,
		 size_t size, int64_t *expires, struct err *e);
/* Check a token: share.invalid or share.expired (404). */
int share_open(const char *token, int64_t *ws, int64_t *post, int64_t *expires, struct err *e);

/* ---- calendar feed (core/ical.c) ------------------------------------ */
/* One secret iCalendar URL per workspace. The token (43 URL-safe
 * characters, 256 bits) is HMAC(server key, workspace, random seed); the
 * store keeps the seed and the token's hash, never the token. */
#define ICAL_TOKEN_SIZE 64
#define ICAL_FEED_DAYS_BACK 92 /* the feed holds posts from this many days ago */
#define ICAL_FEED_DAYS_AHEAD 730
#define ICAL_FEED_MAX_EVENTS 5000

/* The workspace's feed token into token[ICAL_TOKEN_SIZE]: made (and
 * audited, calendar.feed_create) on first use; with rotate, a new one
 * replaces it (calendar.feed_rotate) and the old URL stops working.
 * *created (may be NULL) = 1 when a token was made now. On failure nothing
 * is stored. */
int ical_feed_token(struct store *st, const struct actor *a, int64_t ws, int rotate, char *token, int *created,
		    struct err *e);
/* The workspace of a feed token: calendar.feed_not_found (404) when none. */
int ical_feed_lookup(struct store *st, const char *token, int64_t *ws, struct err *e);
/* Append the workspace's feed (RFC 5545, CRLF, folded) to out: one VEVENT
 * per scheduled post, and per occurrence of a recurring one, from
 * ICAL_FEED_DAYS_BACK ago on. base_url ("https://social.example.com", no
 * trailing slash) makes the links to posts. On failure out may hold part
 * of the feed. */
int ical_feed_render(struct store *st, int64_t ws, const char *base_url, struct buf *out, struct err *e);
/* Append s[0..len) escaped as an RFC 5545 TEXT value (backslash, comma,
 * semicolon, newline; other control characters dropped). */
void ical_escape_text(struct buf *out, const char *s, size_t len);
/* Append one content line: folded at 75 octets, never inside a UTF-8
 * sequence, each physical line ended by CRLF. */
void ical_fold(struct buf *out, const char *line, size_t len);

/* ---- CSV import and export of posts (core/post_io.c) ----------------- */
#define POST_IMPORT_MAX_ROWS 5000
#define POST_IMPORT_MAX_ERRORS 1000 /* listed; errors_total counts all */

/* Channels named by network ("instagram") or id ("12"), separated by '|'
 * -> a JSON array of channel ids (caller decrefs). A network with two or
 * more channels must be named by id. post.channel (field: the spec item)
 * for an unknown or ambiguous one. */
int post_channels_resolve(struct store *st, int64_t ws, const char *spec, json_t **ids, struct err *e);
/* Import posts from CSV (header row: title, text, link, content_type,
 * channels, date, time, tags, notes in any order; text required; date
 * YYYY-MM-DD and time HH:MM in the workspace's zone, both or neither).
 * Every row is checked and every problem reported; the posts are created
 * in one transaction (each through post_create, so audited like any) and
 * kept only when every row is valid and dry_run is 0. A row with a date
 * and time is scheduled when role may schedule a draft (post_transition
 * decides); otherwise it stays a draft with a csv.not_scheduled warning.
 * *report (caller decrefs): {dry_run, valid, rows, errors: [{row, line,
 * column, code, message}], errors_total, warnings: [...], posts: [{row,
 * id (not in a dry run), state, scheduled_at, local}]}; rows count from 1
 * for the header, as a spreadsheet shows them. Returns 0 with the report
 * (valid or not), or a store error with nothing written. */
int post_import_csv(struct store *st, const struct actor *a, enum role role, int64_t ws, const char *csv,
		    size_t len, int dry_run, json_t **report, struct err *e);
/* Append the workspace's posts (state NULL: all) as CSV with the import's
 * columns to out: a UTF-8 byte-order mark (for spreadsheets), CRLF line
 * ends, channels by network when that is unambiguous, date and time of
 * scheduled posts in the workspace's zone. Cells that a spreadsheet would
 * run as a formula (starting with = + - @ tab CR) or that start with an
 * apostrophe get a leading apostrophe, which the import removes. */
int post_export_csv(struct store *st, int64_t ws, const char *state, struct buf *out, struct err *e);

/* ---- validation (core/post_check.c) ---------------------------------- */
/* Add "count" and "problems" (and "effective_text") to each variant of a
 * post JSON, per its channel's network and limits. */
void post_check_variants(json_t *post);

#endif
