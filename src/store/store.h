/* store: the storage interface. A backend is a table of functions
 * (struct store_ops); the SQL lives in the backend file, keyed by the
 * statement ids below, so that a PostgreSQL backend is one more file. Core
 * code names statements and binds values; it never writes SQL. */
#ifndef KANAL_STORE_H
#define KANAL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Every statement the core may run. Each backend provides one SQL text per
 * id. Parameters are listed in the comment, results after "->". Every query
 * on workspace data takes the workspace id. */
enum store_q {
	/* users */
	Q_USER_INSERT,        /* email, name, password_hash?, language, now -> id */
	Q_USER_BY_EMAIL,      /* email -> USER_COLS */
	Q_USER_BY_ID,         /* id -> USER_COLS */
	Q_USER_LIST,          /* -> USER_COLS */
	Q_USER_SET_PASSWORD,  /* hash, now, id */
	Q_USER_UPDATE,        /* name, language, now, id */
	/* workspaces */
	Q_WS_INSERT,          /* name, slug, timezone, language, currency, now -> id */
	Q_WS_BY_ID,           /* id -> WS_COLS */
	Q_WS_BY_SLUG,         /* slug -> WS_COLS */
	Q_WS_LIST,            /* -> WS_COLS */
	Q_WS_LIST_FOR_USER,   /* user_id -> WS_COLS, role */
	Q_WS_UPDATE,          /* name, timezone, language, currency, now, id */
	/* memberships */
	Q_MEMBER_INSERT,      /* ws, user, role, now */
	Q_MEMBER_ROLE,        /* ws, user -> role, created_at */
	Q_MEMBER_LIST,        /* ws -> user_id, email, name, role, created_at */
	Q_MEMBER_SET_ROLE,    /* role, ws, user */
	Q_MEMBER_DELETE,      /* ws, user */
	Q_MEMBER_COUNT_ROLE,  /* ws, role -> count */
	/* sessions */
	Q_SESSION_INSERT,     /* token_hash, user, csrf, now, expires -> id */
	Q_SESSION_GET,        /* token_hash, now -> id, user_id, csrf, expires_at, last_seen_at */
	Q_SESSION_TOUCH,      /* now, expires, id */
	Q_SESSION_DELETE,     /* id */
	Q_SESSION_DELETE_USER, /* user */
	Q_SESSION_PURGE,      /* now */
	/* API tokens */
	Q_TOKEN_INSERT,       /* ws, user?, name, hash, prefix, role, now, expires? -> id */
	Q_TOKEN_GET,          /* hash, now -> id, ws, user_id, role, name, last_used_at, expires_at */
	Q_TOKEN_LIST,         /* ws -> id, name, prefix, role, user_id, created_at, last_used_at, expires_at, revoked_at */
	Q_TOKEN_REVOKE,       /* now, ws, id */
	Q_TOKEN_REVOKE_USER,  /* now, ws, user */
	Q_TOKEN_TOUCH,        /* now, id */
	/* audit */
	Q_AUDIT_INSERT,       /* ws?, user?, token?, label, action, target, before?, after?, req?, now */
	Q_AUDIT_LIST,         /* ws, before_id, limit -> id, actor_user_id, actor_token_id, actor_label,
				 action, target, before_json, after_json, request_id, created_at */
	/* channels */
	Q_CHANNEL_INSERT,     /* ws, network, name, handle, limits, slots, timezone, now -> id */
	Q_CHANNEL_GET,        /* ws, id -> CH_COLS */
	Q_CHANNEL_LIST,       /* ws -> CH_COLS */
	Q_CHANNEL_UPDATE,     /* name, handle, limits, slots, timezone, now, ws, id */
	Q_CHANNEL_DELETE,     /* now, ws, id */
	/* posts */
	Q_POST_INSERT,        /* ws, title, master, link?, type, media, tags, notes, by?, now -> id */
	Q_POST_GET,           /* ws, id -> POST_COLS */
	Q_POST_LIST,          /* ws, state?, from?, to?, before_id, limit -> POST_COLS */
	Q_POST_UPDATE,        /* title, master, link?, type, media, tags, notes, now, ws, id */
	Q_POST_SET_STATE,     /* state, scheduled_at?, local?, zone?, now, ws, id, expected state, recurrence?
				 (scheduling also sets the planner's cursor next_due_at; any other state clears it) */
	Q_POST_DELETE,        /* ws, id */
	Q_CALENDAR_RANGE,     /* ws, from, to -> p.id, state, title, master, scheduled_at, sched_local,
				 sched_zone, content_type, channel_id?, network?, recurrence? — one row per
				 variant, a post's rows adjacent (no ORDER BY: the join yields them so), for
				 posts that do not recur */
	Q_CALENDAR_RECURRING, /* ws, from, to -> as Q_CALENDAR_RANGE, for recurring posts begun before to */
	Q_CALENDAR_VERSION,   /* ws -> version (moved by triggers on every change the calendar shows) */
	Q_CHANNEL_TAKEN,      /* ws, channel, from, to -> scheduled_at of posts planned on it */
	/* variants */
	Q_VARIANT_INSERT,     /* ws, post, channel, now -> id */
	Q_VARIANT_LIST,       /* ws, post -> VAR_COLS */
	Q_VARIANT_UPDATE,     /* text?, link?, first_comment?, alt?, thread?, media?, now, ws, post, id */
	Q_VARIANT_DELETE,     /* ws, post, id */
	/* approval comments */
	Q_COMMENT_INSERT,     /* ws, post, user?, author, kind, body, now -> id */
	Q_COMMENT_LIST,       /* ws, post -> id, user_id, author, kind, body, created_at */
	/* calendar feed (one secret URL per workspace) and CSV export */
	Q_FEED_GET,           /* ws -> seed, token_hash, created_at, updated_at */
	Q_FEED_PUT,           /* ws, seed, token_hash, by?, now (insert, or replace the secret) */
	Q_FEED_BY_HASH,       /* token_hash -> workspace_id */
	Q_FEED_POSTS,         /* ws, from, to, limit -> p.id, state, title, master (first 4000 characters),
				 scheduled_at, sched_local, sched_zone, recurrence?, created_at, updated_at,
				 network?, channel name? (one row per variant of a live channel; posts
				 scheduled in [from, to), recurring ones that began before too) */
	Q_EXPORT_POSTS,       /* ws, state?, after_id, limit -> p.id, title, master, link?, type, tags_json,
				 notes, scheduled_at?, channel_id?, network? (one row per variant of a live
				 channel, posts by id) */
	/* media library (core/library.c) */
	Q_MEDIA_INSERT,       /* ws, sha256, kind, format, width?, height?, frames, duration?, bytes, filename, alt,
				 tags, by?, now -> id */
	Q_MEDIA_GET,          /* ws, id -> MEDIA_COLS */
	Q_MEDIA_BY_SHA,       /* ws, sha256 -> MEDIA_COLS */
	Q_MEDIA_LIST,         /* ws, tag?, kind?, before_id, limit -> MEDIA_COLS, newest first */
	Q_MEDIA_UPDATE,       /* alt, tags, now, ws, id */
	Q_MEDIA_DELETE,       /* ws, id */
	Q_MEDIA_SHA_COUNT,    /* sha256 -> rows holding it, in every workspace */
	/* channel accounts (core/account.c): sealed credentials */
	Q_ACCOUNT_PUT,        /* channel, ws, secrets_enc, summary, by?, now (insert or replace; status connected) */
	Q_ACCOUNT_GET,        /* ws, channel -> secrets_enc, state_enc?, summary, status, connected_at, updated_at */
	Q_ACCOUNT_SET_STATE,  /* state_enc?, now, ws, channel */
	Q_ACCOUNT_SET_STATUS, /* status, now, ws, channel */
	Q_ACCOUNT_DELETE,     /* ws, channel */
	Q_ACCOUNT_SEALED_ALL, /* -> channel_id, secrets_enc, state_enc? (every workspace, by channel) */
	Q_ACCOUNT_RESEAL,     /* secrets_enc, state_enc?, channel (the values only; updated_at kept) */
	Q_ACCOUNT_REFRESH_CLAIM, /* owner, until, now, ws, channel (one changed row: the claim is ours; none: another
				    worker holds a live one) */
	Q_ACCOUNT_REFRESH_SAVE, /* secrets_enc, now, ws, channel, owner (new tokens, claim released; only while ours) */
	Q_ACCOUNT_REFRESH_RELEASE, /* ws, channel, owner */
	/* OAuth connections in flight (core/oauth.c) */
	Q_OAUTH_STATE_INSERT, /* state_hash, session, user, ws, channel, network, verifier_enc, instance?, now,
				 expires */
	Q_OAUTH_STATE_TAKE,   /* state_hash, session, now -> user_id, workspace_id, channel_id, network, verifier_enc,
				 instance_url? (marks it used; no row when unknown, used, expired or another
				 session's) */
	Q_OAUTH_STATE_PURGE,  /* now (expired or used states) */
	Q_OAUTH_APP_GET,      /* instance_url -> client_enc */
	Q_OAUTH_APP_PUT,      /* instance_url, client_enc, now (kept when one exists) */
	Q_OAUTH_APP_REPLACE,  /* instance_url, client_enc, now, old client_enc (only while the row still holds it) */
	Q_OAUTH_APP_SEALED_ALL, /* -> instance_url, client_enc */
	Q_OAUTH_APP_RESEAL,   /* client_enc, instance_url */
	Q_OAUTH_STATE_SEALED_ALL, /* -> id, channel_id, verifier_enc (every state) */
	Q_OAUTH_STATE_RESEAL, /* verifier_enc, id */
	/* the durable job queue (jobs/queue.c) */
	Q_JOB_INSERT,         /* kind, payload, ws?, channel?, run_at, max_attempts, key, now -> id (no row when the
				 key exists) */
	Q_JOB_CLAIM,          /* owner, lease_until, now, limit, held -> JOB_COLS; takes due, unleased (or expired) jobs
				 whose workspace and channel are not paused, earliest first, and leases them */
	Q_JOB_DONE,           /* now, id, owner */
	Q_JOB_RETRY,          /* run_at, error?, now, id, owner (lease released) */
	Q_JOB_DEAD,           /* error, now, id, owner */
	Q_JOB_RELEASE,        /* now, id, owner (lease released, run_at unchanged) */
	Q_JOB_LEASE_OWNERS,   /* now -> distinct lease_owner of live leases */
	Q_JOB_REAP_OWNER,     /* now, owner (every lease of a dead owner released) */
	Q_JOB_REVIVE,         /* payload, run_at, now, key (a finished or dead job runs again, attempts from 0) */
	Q_JOB_FINISH_KEY,     /* now, key (the job is done, whatever its lease) */
	Q_JOB_STATS,          /* now, held -> open jobs, due and claimable now, leased, dead, oldest claimable run_at? */
	Q_JOB_NEXT_RUN,       /* now, held -> earliest run_at of an open, unleased, unpaused job? */
	/* rate limits and retention (jobs/ratelimit.c, scheduler.c). held: a JSON array of channel ids
	   whose rate window is exhausted in this process; claims, stats and the next run skip them */
	Q_JOB_UNCLAIM,        /* now, id, owner (lease released and the claim not counted: held by a rate window) */
	Q_JOB_HELD_BY_NETWORK, /* now, held -> network, due jobs held */
	Q_JOB_PURGE_DONE,     /* done before, limit (oldest first) */
	Q_JOB_PURGE_DEAD,     /* dead before, limit (oldest first) */
	Q_TX_LIGHT,           /* before a transaction: its commit need not wait for the disk (a claim) */
	Q_TX_DURABLE,         /* after it: commits wait for the disk again (the default) */
	Q_RATE_PUT,           /* key, network, limit?, reset_at, now (insert or replace) */
	Q_RATE_GET,           /* key, now -> reset_at, limit? (an exhausted window that has not reset) */
	Q_RATE_PURGE,         /* now (windows that have reset) */
	/* publications (core/publication.c, jobs/) */
	Q_PLAN_DUE,           /* now, limit -> post id, ws, next_due_at, sched_local, sched_zone, recurrence? */
	Q_PLAN_NEXT,          /* -> the earliest next_due_at of any post? */
	Q_POST_ADVANCE,       /* next_due?, now, ws, id, expected next_due (the cursor moves on) */
	Q_POST_SET_PUBSTATE,  /* state, now, ws, id (the state its publications give it) */
	Q_POST_NEXT_DUE,      /* ws, id -> next_due_at? */
	Q_PUB_INSERT,         /* ws, post, variant, channel, network, due, key, now -> id (no row when it exists) */
	Q_PUB_GET,            /* ws, id -> PUB_COLS */
	Q_PUB_LIST_POST,      /* ws, post -> PUB_COLS, latest occurrence first */
	Q_PUB_LIST_STATE,     /* ws, state, before_id, limit -> PUB_COLS, newest first */
	Q_PUB_SET_STATE,      /* state, remote_id?, remote_url?, error?, error_code?, published_at?, now, ws, id,
				 expected state */
	Q_PUB_START_ATTEMPT,  /* now, ws, id -> attempts (state publishing, attempts + 1) */
	Q_PUB_POST_STATES,    /* ws, post -> state, count: the publications of the post's latest occurrence */
	Q_PUB_PAUSED_DUE,     /* ws, channel (0 = all), now -> id, due_at, channel_id: pending, never tried, due */
	Q_PUB_ORPHANS,        /* limit -> ws, id, channel, due_at, key: pending or publishing with no open job */
	Q_ATTEMPT_INSERT,     /* ws, publication, attempt, kind, key, now -> id */
	Q_ATTEMPT_FINISH,     /* outcome, http_status?, message?, now, ws, id */
	Q_ATTEMPT_OPEN,       /* ws, publication -> id, attempt, kind (started, no outcome) */
	Q_ATTEMPT_LIST,       /* ws, publication -> id, attempt, kind, idempotency_key, started_at, finished_at?,
				 outcome?, http_status?, message? */
	Q_ATTEMPT_NEXT_NO,    /* ws, publication -> max(attempt) + 1 */
	/* publishing settings and the crisis pause */
	Q_WS_GRACE,           /* ws -> publish_grace_ms */
	Q_WS_SET_GRACE,       /* grace_ms, now, ws */
	Q_PAUSE_INSERT,       /* ws, channel (0 = all), by?, reason, now (nothing when already paused) */
	Q_PAUSE_DELETE,       /* ws, channel */
	Q_PAUSE_LIST,         /* ws -> channel_id, paused_by?, reason, paused_at */
	Q_PAUSE_CHECK,        /* ws, channel -> 1 when the workspace or the channel is paused */
	Q_CHANNEL_LIVE,       /* ws, id -> 1 when the channel exists and is not deleted */
	Q__COUNT
};

enum store_type { SV_NULL, SV_INT, SV_TEXT };
struct store_val {
	enum store_type t;
	int64_t i;
	const char *s;
};
#define SV_I(x) ((struct store_val){SV_INT, (int64_t)(x), NULL})
static inline struct store_val store_text_val(const char *s)
{
	struct store_val v = {s ? SV_TEXT : SV_NULL, 0, s};
	return v;
}
#define SV_S(x) store_text_val(x)
#define SV_N ((struct store_val){SV_NULL, 0, NULL})
/* An integer, or NULL when x <= 0 (optional foreign keys). */
#define SV_ID(x) ((x) > 0 ? SV_I(x) : SV_N)

struct store;
struct store_row;
/* Called once per result row; return 0 to go on, non-zero to stop (the
 * value is returned by store_exec). Row values are valid only during the
 * call. */
typedef int (*store_row_fn)(void *ctx, struct store_row *row);

struct store_ops {
	const char *name;
	/* Open a connection; *out is set on success. */
	int (*open)(const char *dsn, struct store **out, struct err *e);
	void (*close)(struct store *st);
	/* Apply pending migrations in order; *applied = how many. On failure the
	 * failing migration is rolled back, earlier ones stay. */
	int (*migrate)(struct store *st, int *applied, struct err *e);
	/* Write a consistent copy of the whole database to path. */
	int (*backup)(struct store *st, const char *path, struct err *e);
	/* A write transaction. begin takes the write lock at once. Calls nest:
	 * inside a transaction, begin opens a savepoint that commit releases
	 * and rollback undoes (the outer transaction goes on); only the
	 * outermost commit makes the changes durable. After a failed commit
	 * call rollback, as after any failure inside the transaction. */
	int (*begin)(struct store *st, struct err *e);
	int (*commit)(struct store *st, struct err *e);
	void (*rollback)(struct store *st);
	/* Run statement q with args. fn (may be NULL) sees each row. Returns 0,
	 * fn's non-zero stop value, ERR_CONFLICT on a uniqueness or foreign-key
	 * violation, or ERR_DB. */
	int (*exec)(struct store *st, enum store_q q, const struct store_val *args, size_t nargs,
		    store_row_fn fn, void *ctx, struct err *e);
	/* Rows changed by the last exec. */
	int64_t (*changes)(struct store *st);
	int64_t (*col_int)(struct store_row *r, int i);
	/* NULL for SQL NULL; borrowed until the row callback returns. */
	const char *(*col_text)(struct store_row *r, int i);
	int (*col_is_null)(struct store_row *r, int i);
};

struct store {
	const struct store_ops *ops;
};

/* Open the backend named by dsn: "postgres://..." or "postgresql://..."
 * select PostgreSQL (store_pg.c, a libpq connection string), anything else
 * is a SQLite file path. */
int store_open(const char *dsn, struct store **out, struct err *e);
/* 1 when dsn names a PostgreSQL database (there is no database file). */
int store_is_pg(const char *dsn);
/* dsn as it may be logged or printed: a PostgreSQL password masked. */
void store_dsn_safe(const char *dsn, char *out, size_t size);
/* The PostgreSQL text of statement q, NULL when it has none (for tests). */
const char *store_pg_sql(enum store_q q);
void store_close(struct store *st);

/* This thread's connection to dsn, opened on first use and closed when the
 * thread exits (or by store_thread_close). NULL with e set on failure. */
struct store *store_thread(const char *dsn, struct err *e);
void store_thread_close(void);

static inline int store_exec(struct store *st, enum store_q q, const struct store_val *args, size_t n,
			     store_row_fn fn, void *ctx, struct err *e)
{
	return st->ops->exec(st, q, args, n, fn, ctx, e);
}
static inline int64_t store_int(struct store *st, struct store_row *r, int i)
{
	return st->ops->col_int(r, i);
}
static inline const char *store_text(struct store *st, struct store_row *r, int i)
{
	return st->ops->col_text(r, i);
}
static inline int store_is_null(struct store *st, struct store_row *r, int i)
{
	return st->ops->col_is_null(r, i);
}
static inline int store_begin(struct store *st, struct err *e)
{
	return st->ops->begin(st, e);
}
static inline int store_commit(struct store *st, struct err *e)
{
	return st->ops->commit(st, e);
}
static inline void store_rollback(struct store *st)
{
	st->ops->rollback(st);
}
static inline int64_t store_changes(struct store *st)
{
	return st->ops->changes(st);
}

/* Run q and read column 0 of the first row as an integer into *out.
 * Returns 0, ERR_NOTFOUND when there is no row, or exec's error. */
int store_one_int(struct store *st, enum store_q q, const struct store_val *args, size_t n, int64_t *out,
		  struct err *e);

#define NARGS(a) (sizeof(a) / sizeof((a)[0]))

/* Embedded files (migrations, UI), generated at build time. */
struct embedded_file {
	const char *name; /* "sql/sqlite/0001_foundation.sql", "web/index.html" */
	const unsigned char *data;
	size_t len;
};
extern const struct embedded_file embedded_files[];
extern const size_t embedded_count;
/* The embedded file named name, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
