/* store_pg: the PostgreSQL backend (libpq). The same statement ids as
 * store_sqlite.c in PostgreSQL's dialect, prepared once per connection, one
 * connection per thread (store_thread). What SQLite gives by being one file
 * with one writer is rebuilt here:
 *  - begin takes a transaction-scoped advisory lock, so that transactions
 *    that read then write (the last owner, a slug, a publication's state)
 *    run one at a time as under BEGIN IMMEDIATE; the job claim does not
 *    take it (it is marked light by Q_TX_LIGHT) and locks its rows with
 *    FOR UPDATE SKIP LOCKED instead, so that workers never wait on each
 *    other or take the same job;
 *  - a failed statement inside a transaction leaves the transaction usable
 *    (SQLite undoes only the statement; PostgreSQL would abort the whole
 *    transaction), through a savepoint around every write in a transaction;
 *  - a unique, foreign-key or check violation is ERR_CONFLICT
 *    (store.constraint); a serialization failure, a deadlock, a lock
 *    timeout or a lost connection is ERR_UNAVAILABLE (store.busy).
 * The rate windows, the OAuth refresh claim and the publication state
 * changes are single conditional statements, atomic on their own; the
 * calendar version and media use triggers are plpgsql (sql/pg/). */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/time.h"
#include "store/store.h"

/* Advisory lock keys (any 64-bit numbers no other application uses): the
 * writer lock of begin, and the one that lets one process migrate. */
#define LOCK_WRITER 0x6b616e616c0001LL
#define LOCK_MIGRATE 0x6b616e616c0002LL
/* Most parameters a statement takes (Q_MEDIA_INSERT has 14). */
#define MAX_PARAMS 24

#define USER_COLS "id, email, name, password_hash, language, created_at"
#define WS_COLS "id, name, slug, timezone, language, currency, created_at"
#define CH_COLS                                                                                                  \
	"c.id, c.network, c.name, c.handle, c.limits_json, c.slots_json, c.timezone, c.created_at, a.summary, "  \
	"a.status, a.connected_at, "                                                                              \
	"(SELECT MAX(published_at) FROM publications WHERE workspace_id = c.workspace_id AND channel_id = c.id "   \
	"AND state = 'published'), f.updated_at, f.last_error, f.last_error_code"
/* the channel's latest failed publication, for its health */
#define CH_FROM                                                                                                  \
	"channels c LEFT JOIN channel_accounts a ON a.channel_id = c.id LEFT JOIN publications f ON f.id = "      \
	"(SELECT id FROM publications WHERE workspace_id = c.workspace_id AND channel_id = c.id AND state = "      \
	"'failed' ORDER BY updated_at DESC, id DESC LIMIT 1)"
#define JOB_COLS "id, kind, payload, workspace_id, channel_id, run_at, attempts, max_attempts, created_at"
#define PUB_COLS                                                                                                 \
	"p.id, p.post_id, p.variant_id, p.channel_id, p.network, p.due_at, p.state, p.remote_id, p.remote_url, " \
	"p.attempts, p.last_error, p.last_error_code, p.idempotency_key, p.published_at, p.created_at, "          \
	"p.updated_at, c.name, po.title"
#define PUB_FROM                                                                                                 \
	"publications p JOIN channels c ON c.id = p.channel_id JOIN posts po ON po.id = p.post_id"
/* The job's workspace or channel is paused. */
#define JOB_PAUSED                                                                                               \
	"EXISTS (SELECT 1 FROM publishing_pauses z WHERE z.workspace_id = j.workspace_id "                       \
	"AND (z.channel_id = 0 OR z.channel_id = j.channel_id))"
/* The job's channel is held by an exhausted rate window (the JSON array
 * bound as held, read with jsonb where SQLite uses json_each). */
#define JOB_HELD(n) "coalesce(j.channel_id IN (SELECT value::BIGINT FROM jsonb_array_elements_text($" #n "::jsonb)), false)"
#define POST_COLS                                                                                                \
	"id, state, title, master_text, link, content_type, media_json, tags_json, notes, campaign_id, persona_id, " \
	"scheduled_at, sched_local, sched_zone, created_by, created_at, updated_at, recurrence_json"
#define VAR_COLS                                                                                                 \
	"v.id, v.channel_id, c.network, c.name, c.limits_json, v.text, v.link, v.first_comment, v.alt_text, "   \
	"v.thread_json, v.media_json"
#define MEDIA_COLS                                                                                               \
	"m.id, m.sha256, m.kind, m.format, m.width, m.height, m.frames, m.duration_ms, m.bytes, m.filename, "   \
	"m.alt_text, m.tags_json, m.created_by, m.created_at, m.updated_at, "                                    \
	"(SELECT count(*) FROM media_uses u WHERE u.media_id = m.id), "                                          \
	"(SELECT count(DISTINCT u.post_id) FROM media_uses u WHERE u.media_id = m.id)"

static const char *const sql[Q__COUNT] = {
	[Q_USER_INSERT] = "INSERT INTO users (email, name, password_hash, language, created_at, updated_at) "
			  "VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
	[Q_USER_BY_EMAIL] = "SELECT " USER_COLS " FROM users WHERE email = $1",
	[Q_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = $1",
	[Q_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY id",
	[Q_USER_SET_PASSWORD] = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
	[Q_USER_UPDATE] = "UPDATE users SET name = $1, language = $2, updated_at = $3 WHERE id = $4",

	[Q_WS_INSERT] = "INSERT INTO workspaces (name, slug, timezone, language, currency, created_at, updated_at) "
			"VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
	[Q_WS_BY_ID] = "SELECT " WS_COLS " FROM workspaces WHERE id = $1",
	[Q_WS_BY_SLUG] = "SELECT " WS_COLS " FROM workspaces WHERE slug = $1",
	[Q_WS_LIST] = "SELECT " WS_COLS " FROM workspaces ORDER BY id",
	[Q_WS_LIST_FOR_USER] = "SELECT w.id, w.name, w.slug, w.timezone, w.language, w.currency, w.created_at, m.role "
			       "FROM workspaces w JOIN memberships m ON m.workspace_id = w.id "
			       "WHERE m.user_id = $1 ORDER BY w.name, w.id",
	[Q_WS_UPDATE] = "UPDATE workspaces SET name = $1, timezone = $2, language = $3, currency = $4, "
			"updated_at = $5 WHERE id = $6",

	[Q_MEMBER_INSERT] = "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
	[Q_MEMBER_ROLE] = "SELECT role, created_at FROM memberships WHERE workspace_id = $1 AND user_id = $2",
	[Q_MEMBER_LIST] = "SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m "
			  "JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.name, u.id",
	[Q_MEMBER_SET_ROLE] = "UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3",
	[Q_MEMBER_DELETE] = "DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2",
	[Q_MEMBER_COUNT_ROLE] = "SELECT count(*) FROM memberships WHERE workspace_id = $1 AND role = $2",

	[Q_SESSION_INSERT] = "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, last_seen_at) "
			     "VALUES ($1, $2, $3, $4, $5, $4) RETURNING id",
	[Q_SESSION_GET] = "SELECT id, user_id, csrf, expires_at, last_seen_at FROM sessions "
			  "WHERE token_hash = $1 AND expires_at > $2",
	[Q_SESSION_TOUCH] = "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3",
	[Q_SESSION_DELETE] = "DELETE FROM sessions WHERE id = $1",
	[Q_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = $1",
	[Q_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_at <= $1",

	[Q_TOKEN_INSERT] = "INSERT INTO api_tokens (workspace_id, user_id, name, token_hash, prefix, role, created_at, "
			   "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
	[Q_TOKEN_GET] = "SELECT id, workspace_id, user_id, role, name, last_used_at, expires_at FROM api_tokens "
			"WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
	[Q_TOKEN_LIST] = "SELECT id, name, prefix, role, user_id, created_at, last_used_at, expires_at, revoked_at "
			 "FROM api_tokens WHERE workspace_id = $1 ORDER BY id",
	[Q_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 "
			   "AND revoked_at IS NULL",
	[Q_TOKEN_REVOKE_USER] = "UPDATE api_tokens SET revoked_at = $1 WHERE workspace_id = $2 AND user_id = $3 "
				"AND revoked_at IS NULL",
	[Q_TOKEN_TOUCH] = "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",

	[Q_AUDIT_INSERT] = "INSERT INTO audit_log (workspace_id, actor_user_id, actor_token_id, actor_label, action, "
			   "target, before_json, after_json, request_id, created_at) "
			   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	[Q_CHANNEL_INSERT] = "INSERT INTO channels (workspace_id, network, name, handle, limits_json, slots_json, "
			     "timezone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
	[Q_CHANNEL_GET] = "SELECT " CH_COLS " FROM " CH_FROM " WHERE c.workspace_id = $1 AND c.id = $2 "
			  "AND c.deleted_at IS NULL",
	[Q_CHANNEL_LIST] = "SELECT " CH_COLS " FROM " CH_FROM " WHERE c.workspace_id = $1 AND c.deleted_at IS NULL "
			   "ORDER BY c.name, c.id",
	[Q_CHANNEL_UPDATE] = "UPDATE channels SET name = $1, handle = $2, limits_json = $3, slots_json = $4, timezone = $5, "
			     "updated_at = $6 WHERE workspace_id = $7 AND id = $8 AND deleted_at IS NULL",
	[Q_CHANNEL_LIVE] = "SELECT 1 FROM channels WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL",
	[Q_CHANNEL_DELETE] = "UPDATE channels SET deleted_at = $1 WHERE workspace_id = $2 AND id = $3 AND deleted_at IS NULL",

	[Q_POST_INSERT] = "INSERT INTO posts (workspace_id, title, master_text, link, content_type, media_json, tags_json, "
			  "notes, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
			  "RETURNING id",
	[Q_POST_GET] = "SELECT " POST_COLS " FROM posts WHERE workspace_id = $1 AND id = $2",
	[Q_POST_LIST] = "SELECT " POST_COLS " FROM posts WHERE workspace_id = $1 AND ($2::TEXT IS NULL OR state = $2) "
			"AND ($3::BIGINT IS NULL OR scheduled_at >= $3) AND ($4::BIGINT IS NULL OR scheduled_at < $4) AND id < $5 "
			"ORDER BY id DESC LIMIT $6",
	[Q_POST_UPDATE] = "UPDATE posts SET title = $1, master_text = $2, link = $3, content_type = $4, media_json = $5, "
			  "tags_json = $6, notes = $7, updated_at = $8 WHERE workspace_id = $9 AND id = $10",
	[Q_POST_SET_STATE] = "UPDATE posts SET state = $1, scheduled_at = $2, sched_local = $3, sched_zone = $4, "
			     "updated_at = $5, recurrence_json = $9, next_due_at = CASE WHEN $1 = 'scheduled' THEN $2::BIGINT END "
			     "WHERE workspace_id = $6 AND id = $7 AND state = $8",
	[Q_POST_DELETE] = "DELETE FROM posts WHERE workspace_id = $1 AND id = $2",
	[Q_CALENDAR_RANGE] = "SELECT p.id, p.state, p.title, substr(p.master_text, 1, 120), p.scheduled_at, p.sched_local, "
			     "p.sched_zone, p.content_type, v.channel_id, c.network, p.recurrence_json FROM posts p "
			     "LEFT JOIN variants v ON v.post_id = p.id AND v.workspace_id = p.workspace_id "
			     "LEFT JOIN channels c ON c.id = v.channel_id AND c.deleted_at IS NULL "
			     "WHERE p.workspace_id = $1 AND p.scheduled_at >= $2 AND p.scheduled_at < $3 "
			     "AND p.recurrence_json IS NULL ORDER BY p.scheduled_at, p.id, v.channel_id",
	[Q_CALENDAR_RECURRING] = "SELECT p.id, p.state, p.title, substr(p.master_text, 1, 120), p.scheduled_at, "
				 "p.sched_local, p.sched_zone, p.content_type, v.channel_id, c.network, p.recurrence_json "
				 "FROM posts p LEFT JOIN variants v ON v.post_id = p.id AND v.workspace_id = p.workspace_id "
				 "LEFT JOIN channels c ON c.id = v.channel_id AND c.deleted_at IS NULL "
				 "WHERE p.workspace_id = $1 AND p.recurrence_json IS NOT NULL AND p.scheduled_at < $3 "
				 "AND $2::BIGINT IS NOT NULL ORDER BY p.scheduled_at, p.id, v.channel_id",
	[Q_CALENDAR_VERSION] = "SELECT version FROM calendar_versions WHERE workspace_id = $1",
	[Q_CHANNEL_TAKEN] = "SELECT p.scheduled_at FROM posts p JOIN variants v ON v.post_id = p.id "
			    "WHERE p.workspace_id = $1 AND v.channel_id = $2 AND p.scheduled_at >= $3 AND p.scheduled_at < $4 "
			    "AND p.state NOT IN ('canceled', 'failed') ORDER BY p.scheduled_at",

	[Q_VARIANT_INSERT] = "INSERT INTO variants (workspace_id, post_id, channel_id, created_at, updated_at) "
			     "VALUES ($1, $2, $3, $4, $4) RETURNING id",
	[Q_VARIANT_LIST] = "SELECT " VAR_COLS " FROM variants v JOIN channels c ON c.id = v.channel_id "
			   "WHERE v.workspace_id = $1 AND v.post_id = $2 AND c.deleted_at IS NULL ORDER BY c.name, v.id",
	[Q_VARIANT_UPDATE] = "UPDATE variants SET text = $1, link = $2, first_comment = $3, alt_text = $4, thread_json = $5, "
			     "media_json = $6, updated_at = $7 WHERE workspace_id = $8 AND post_id = $9 AND id = $10",
	[Q_VARIANT_DELETE] = "DELETE FROM variants WHERE workspace_id = $1 AND post_id = $2 AND id = $3",

	[Q_COMMENT_INSERT] = "INSERT INTO post_comments (workspace_id, post_id, user_id, author, kind, body, created_at) "
			     "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
	[Q_COMMENT_LIST] = "SELECT id, user_id, author, kind, body, created_at FROM post_comments "
			   "WHERE workspace_id = $1 AND post_id = $2 ORDER BY id",

	[Q_FEED_GET] = "SELECT seed, token_hash, created_at, updated_at FROM calendar_feeds WHERE workspace_id = $1",
	[Q_FEED_PUT] = "INSERT INTO calendar_feeds (workspace_id, seed, token_hash, created_by, created_at, updated_at) "
		       "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (workspace_id) DO UPDATE SET seed = excluded.seed, "
		       "token_hash = excluded.token_hash, updated_at = excluded.updated_at",
	[Q_FEED_BY_HASH] = "SELECT workspace_id FROM calendar_feeds WHERE token_hash = $1",
	[Q_FEED_POSTS] = "SELECT p.id, p.state, p.title, substr(p.master_text, 1, 4000), p.scheduled_at, p.sched_local, "
			 "p.sched_zone, p.recurrence_json, p.created_at, p.updated_at, c.network, c.name FROM "
			 "(SELECT * FROM posts WHERE workspace_id = $1 AND scheduled_at < $3 "
			 "AND (scheduled_at >= $2 OR recurrence_json IS NOT NULL) ORDER BY scheduled_at, id LIMIT $4) p "
			 "LEFT JOIN variants v ON v.post_id = p.id AND v.workspace_id = p.workspace_id "
			 "LEFT JOIN channels c ON c.id = v.channel_id AND c.deleted_at IS NULL "
			 "ORDER BY p.scheduled_at, p.id, c.name, c.id",
	[Q_EXPORT_POSTS] = "SELECT p.id, p.title, p.master_text, p.link, p.content_type, p.tags_json, p.notes, "
			   "p.scheduled_at, c.id, c.network FROM "
			   "(SELECT * FROM posts WHERE workspace_id = $1 AND ($2::TEXT IS NULL OR state = $2) AND id > $3 "
			   "ORDER BY id LIMIT $4) p "
			   "LEFT JOIN variants v ON v.post_id = p.id AND v.workspace_id = p.workspace_id "
			   "LEFT JOIN channels c ON c.id = v.channel_id AND c.deleted_at IS NULL "
			   "ORDER BY p.id, c.name, c.id",
	[Q_AUDIT_LIST] = "SELECT id, actor_user_id, actor_token_id, actor_label, action, target, before_json, "
			 "after_json, request_id, created_at FROM audit_log "
			 "WHERE workspace_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",

	[Q_MEDIA_INSERT] = "INSERT INTO media (workspace_id, sha256, kind, format, width, height, frames, duration_ms, bytes, "
			   "filename, alt_text, tags_json, created_by, created_at, updated_at) "
			   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
	[Q_MEDIA_GET] = "SELECT " MEDIA_COLS " FROM media m WHERE m.workspace_id = $1 AND m.id = $2",
	[Q_MEDIA_BY_SHA] = "SELECT " MEDIA_COLS " FROM media m WHERE m.workspace_id = $1 AND m.sha256 = $2",
	[Q_MEDIA_LIST] = "SELECT " MEDIA_COLS " FROM media m WHERE m.workspace_id = $1 "
			 "AND ($2::TEXT IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(m.tags_json::jsonb) t WHERE t = $2)) "
			 "AND ($3::TEXT IS NULL OR m.kind = $3) AND m.id < $4 ORDER BY m.id DESC LIMIT $5",
	[Q_MEDIA_UPDATE] = "UPDATE media SET alt_text = $1, tags_json = $2, updated_at = $3 WHERE workspace_id = $4 AND id = $5",
	[Q_MEDIA_DELETE] = "DELETE FROM media WHERE workspace_id = $1 AND id = $2",
	[Q_MEDIA_SHA_COUNT] = "SELECT count(*) FROM media WHERE sha256 = $1",

	[Q_ACCOUNT_PUT] = "INSERT INTO channel_accounts (channel_id, workspace_id, secrets_enc, summary, connected_by, "
			  "connected_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (channel_id) DO UPDATE "
			  "SET secrets_enc = excluded.secrets_enc, summary = excluded.summary, status = 'connected', "
			  "connected_by = excluded.connected_by, updated_at = excluded.updated_at",
	[Q_ACCOUNT_GET] = "SELECT secrets_enc, state_enc, summary, status, connected_at, updated_at FROM channel_accounts "
			  "WHERE workspace_id = $1 AND channel_id = $2",
	[Q_ACCOUNT_SET_STATE] = "UPDATE channel_accounts SET state_enc = $1, updated_at = $2 WHERE workspace_id = $3 "
				"AND channel_id = $4",
	[Q_ACCOUNT_SET_STATUS] = "UPDATE channel_accounts SET status = $1, updated_at = $2 WHERE workspace_id = $3 "
				 "AND channel_id = $4",
	[Q_ACCOUNT_DELETE] = "DELETE FROM channel_accounts WHERE workspace_id = $1 AND channel_id = $2",
	[Q_ACCOUNT_SEALED_ALL] = "SELECT channel_id, secrets_enc, state_enc FROM channel_accounts ORDER BY channel_id",
	[Q_ACCOUNT_RESEAL] = "UPDATE channel_accounts SET secrets_enc = $1, state_enc = $2 WHERE channel_id = $3",
	[Q_ACCOUNT_REFRESH_CLAIM] = "UPDATE channel_accounts SET refresh_owner = $1, refresh_until = $2 "
				    "WHERE workspace_id = $4 AND channel_id = $5 AND (refresh_until IS NULL "
				    "OR refresh_until < $3 OR refresh_owner = $1)",
	[Q_ACCOUNT_REFRESH_SAVE] = "UPDATE channel_accounts SET secrets_enc = $1, updated_at = $2, refresh_owner = NULL, "
				   "refresh_until = NULL WHERE workspace_id = $3 AND channel_id = $4 AND refresh_owner = $5",
	[Q_ACCOUNT_REFRESH_RELEASE] = "UPDATE channel_accounts SET refresh_owner = NULL, refresh_until = NULL "
				      "WHERE workspace_id = $1 AND channel_id = $2 AND refresh_owner = $3",
	[Q_OAUTH_STATE_INSERT] = "INSERT INTO oauth_states (state_hash, session_id, user_id, workspace_id, channel_id, "
				 "network, verifier_enc, instance_url, created_at, expires_at) "
				 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	[Q_OAUTH_STATE_TAKE] = "UPDATE oauth_states SET used_at = $3 WHERE state_hash = $1 AND session_id = $2 "
			       "AND used_at IS NULL AND expires_at > $3 RETURNING user_id, workspace_id, channel_id, "
			       "network, verifier_enc, instance_url",
	[Q_OAUTH_STATE_PURGE] = "DELETE FROM oauth_states WHERE expires_at <= $1 OR used_at IS NOT NULL",
	[Q_OAUTH_APP_GET] = "SELECT client_enc FROM oauth_instance_apps WHERE instance_url = $1",
	[Q_OAUTH_APP_PUT] = "INSERT INTO oauth_instance_apps (instance_url, client_enc, created_at) VALUES ($1, $2, $3) "
			    "ON CONFLICT (instance_url) DO NOTHING",
	[Q_OAUTH_APP_REPLACE] = "UPDATE oauth_instance_apps SET client_enc = $2, created_at = $3 "
				"WHERE instance_url = $1 AND client_enc = $4",
	[Q_OAUTH_APP_SEALED_ALL] = "SELECT instance_url, client_enc FROM oauth_instance_apps ORDER BY instance_url",
	[Q_OAUTH_APP_RESEAL] = "UPDATE oauth_instance_apps SET client_enc = $1 WHERE instance_url = $2",
	[Q_OAUTH_STATE_SEALED_ALL] = "SELECT id, channel_id, verifier_enc FROM oauth_states ORDER BY id",
	[Q_OAUTH_STATE_RESEAL] = "UPDATE oauth_states SET verifier_enc = $1 WHERE id = $2",

	[Q_JOB_INSERT] = "INSERT INTO jobs (kind, payload, workspace_id, channel_id, run_at, max_attempts, idempotency_key, "
			 "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
			 "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
	[Q_JOB_CLAIM] = "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 "
			"WHERE id IN (SELECT j.id FROM jobs j WHERE j.done_at IS NULL AND j.dead_at IS NULL "
			"AND j.run_at <= $3 AND (j.lease_until IS NULL OR j.lease_until < $3) AND NOT " JOB_PAUSED " "
			"AND NOT " JOB_HELD(5) " ORDER BY j.run_at, j.id LIMIT $4 FOR UPDATE OF j SKIP LOCKED) RETURNING " JOB_COLS,
	[Q_JOB_DONE] = "UPDATE jobs SET done_at = $1, lease_owner = NULL, lease_until = NULL, updated_at = $1 "
		       "WHERE id = $2 AND lease_owner = $3",
	[Q_JOB_RETRY] = "UPDATE jobs SET run_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL, "
			"updated_at = $3 WHERE id = $4 AND lease_owner = $5",
	[Q_JOB_DEAD] = "UPDATE jobs SET dead_at = $2, last_error = $1, lease_owner = NULL, lease_until = NULL, "
		       "updated_at = $2 WHERE id = $3 AND lease_owner = $4",
	[Q_JOB_RELEASE] = "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, updated_at = $1 WHERE id = $2 "
			  "AND lease_owner = $3",
	[Q_JOB_LEASE_OWNERS] = "SELECT DISTINCT lease_owner FROM jobs WHERE done_at IS NULL AND dead_at IS NULL "
			       "AND lease_until >= $1",
	[Q_JOB_REAP_OWNER] = "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, updated_at = $1 "
			     "WHERE lease_owner = $2 AND done_at IS NULL AND dead_at IS NULL",
	[Q_JOB_REVIVE] = "UPDATE jobs SET payload = $1, run_at = $2, attempts = 0, done_at = NULL, dead_at = NULL, "
			 "last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = $3 "
			 "WHERE idempotency_key = $4",
	[Q_JOB_FINISH_KEY] = "UPDATE jobs SET done_at = $1, lease_owner = NULL, lease_until = NULL, updated_at = $1 "
			     "WHERE idempotency_key = $2 AND done_at IS NULL AND dead_at IS NULL",
	[Q_JOB_STATS] = "SELECT count(*), "
			"count(*) FILTER (WHERE j.run_at <= $1 AND (j.lease_until IS NULL OR j.lease_until < $1) AND NOT " JOB_PAUSED
			" AND NOT " JOB_HELD(2) "), count(*) FILTER (WHERE j.lease_until >= $1), "
			"(SELECT count(*) FROM jobs WHERE dead_at IS NOT NULL), "
			"min(CASE WHEN j.run_at <= $1 AND (j.lease_until IS NULL OR j.lease_until < $1) AND NOT " JOB_PAUSED
			" AND NOT " JOB_HELD(2) " THEN j.run_at END) FROM jobs j WHERE j.done_at IS NULL AND j.dead_at IS NULL",
	[Q_JOB_NEXT_RUN] = "SELECT min(j.run_at) FROM jobs j WHERE j.done_at IS NULL AND j.dead_at IS NULL "
			   "AND (j.lease_until IS NULL OR j.lease_until < $1) AND NOT " JOB_PAUSED " AND NOT " JOB_HELD(2),
	[Q_JOB_UNCLAIM] = "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0), "
			  "updated_at = $1 WHERE id = $2 AND lease_owner = $3",
	[Q_JOB_HELD_BY_NETWORK] = "SELECT c.network, count(*) FROM jobs j JOIN channels c ON c.id = j.channel_id "
				  "WHERE j.done_at IS NULL AND j.dead_at IS NULL AND j.run_at <= $1 "
				  "AND (j.lease_until IS NULL OR j.lease_until < $1) AND " JOB_HELD(2) " GROUP BY c.network "
				  "ORDER BY c.network",
	[Q_JOB_PURGE_DONE] = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE done_at IS NOT NULL "
			     "AND done_at < $1 ORDER BY done_at LIMIT $2)",
	[Q_JOB_PURGE_DEAD] = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE dead_at IS NOT NULL "
			     "AND dead_at < $1 ORDER BY dead_at LIMIT $2)",
	/* A claim need not reach the disk: lost in a crash, the job is simply
	 * unclaimed (no attempt was written); a later durable commit flushes
	 * the WAL up to itself, the claim's record included. */
	[Q_TX_LIGHT] = "SELECT set_config('synchronous_commit', 'off', false)",
	[Q_TX_DURABLE] = "SELECT set_config('synchronous_commit', 'on', false)",
	[Q_RATE_PUT] = "INSERT INTO rate_windows (key, network, lim, reset_at, updated_at) VALUES ($1, $2, $3, $4, $5) "
		       "ON CONFLICT (key) DO UPDATE SET network = excluded.network, lim = excluded.lim, "
		       "reset_at = greatest(rate_windows.reset_at, excluded.reset_at), updated_at = excluded.updated_at",
	[Q_RATE_GET] = "SELECT reset_at, lim FROM rate_windows WHERE key = $1 AND reset_at > $2",
	[Q_RATE_PURGE] = "DELETE FROM rate_windows WHERE reset_at <= $1",

	[Q_PLAN_DUE] = "SELECT id, workspace_id, next_due_at, sched_local, sched_zone, recurrence_json FROM posts "
		       "WHERE next_due_at IS NOT NULL AND next_due_at <= $1 ORDER BY next_due_at, id LIMIT $2",
	[Q_PLAN_NEXT] = "SELECT min(next_due_at) FROM posts WHERE next_due_at IS NOT NULL",
	[Q_POST_ADVANCE] = "UPDATE posts SET next_due_at = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4 "
			   "AND next_due_at = $5",
	[Q_POST_SET_PUBSTATE] = "UPDATE posts SET state = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4 "
				"AND state <> $1 AND state IN ('scheduled', 'publishing', 'published', 'failed', "
				"'unconfirmed', 'canceled')",
	[Q_POST_NEXT_DUE] = "SELECT next_due_at FROM posts WHERE workspace_id = $1 AND id = $2",
	[Q_PUB_INSERT] = "INSERT INTO publications (workspace_id, post_id, variant_id, channel_id, network, due_at, "
			 "idempotency_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
			 "ON CONFLICT DO NOTHING RETURNING id",
	[Q_PUB_GET] = "SELECT " PUB_COLS " FROM " PUB_FROM " WHERE p.workspace_id = $1 AND p.id = $2",
	[Q_PUB_LIST_POST] = "SELECT " PUB_COLS " FROM " PUB_FROM " WHERE p.workspace_id = $1 AND p.post_id = $2 "
			    "ORDER BY p.due_at DESC, c.name, p.id",
	[Q_PUB_LIST_STATE] = "SELECT " PUB_COLS " FROM " PUB_FROM " WHERE p.workspace_id = $1 AND p.state = $2 "
			     "AND p.id < $3 ORDER BY p.id DESC LIMIT $4",
	[Q_PUB_SET_STATE] = "UPDATE publications SET state = $1, remote_id = coalesce($2, remote_id), "
			    "remote_url = coalesce($3, remote_url), last_error = $4, last_error_code = $5, "
			    "published_at = coalesce($6, published_at), updated_at = $7 "
			    "WHERE workspace_id = $8 AND id = $9 AND state = $10",
	[Q_PUB_START_ATTEMPT] = "UPDATE publications SET state = 'publishing', attempts = attempts + 1, updated_at = $1 "
				"WHERE workspace_id = $2 AND id = $3 AND state IN ('pending', 'publishing') "
				"RETURNING attempts",
	[Q_PUB_POST_STATES] = "SELECT state, count(*) FROM publications WHERE workspace_id = $1 AND post_id = $2 "
			      "AND due_at = (SELECT max(due_at) FROM publications WHERE workspace_id = $1 AND post_id = $2) "
			      "GROUP BY state",
	[Q_PUB_PAUSED_DUE] = "SELECT id, due_at, channel_id FROM publications WHERE workspace_id = $1 "
			     "AND ($2::BIGINT = 0 OR channel_id = $2) AND state = 'pending' AND attempts = 0 AND due_at <= $3",
	[Q_PUB_ORPHANS] = "SELECT p.workspace_id, p.id, p.channel_id, p.due_at, p.idempotency_key FROM publications p "
			  "WHERE p.state IN ('pending', 'publishing') AND NOT EXISTS (SELECT 1 FROM jobs j "
			  "WHERE j.idempotency_key = 'publish:' || p.idempotency_key AND j.done_at IS NULL "
			  "AND j.dead_at IS NULL) LIMIT $1",
	[Q_ATTEMPT_INSERT] = "INSERT INTO attempts (workspace_id, publication_id, attempt, kind, idempotency_key, "
			     "started_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	[Q_ATTEMPT_FINISH] = "UPDATE attempts SET outcome = $1, http_status = $2, message = $3, finished_at = $4 "
			     "WHERE workspace_id = $5 AND id = $6",
	[Q_ATTEMPT_OPEN] = "SELECT id, attempt, kind FROM attempts WHERE workspace_id = $1 AND publication_id = $2 "
			   "AND finished_at IS NULL ORDER BY attempt",
	[Q_ATTEMPT_LIST] = "SELECT id, attempt, kind, idempotency_key, started_at, finished_at, outcome, http_status, "
			   "message FROM attempts WHERE workspace_id = $1 AND publication_id = $2 ORDER BY attempt",
	[Q_ATTEMPT_NEXT_NO] = "SELECT coalesce(max(attempt), 0) + 1 FROM attempts WHERE workspace_id = $1 "
			      "AND publication_id = $2",
	[Q_WS_GRACE] = "SELECT publish_grace_ms FROM workspaces WHERE id = $1",
	[Q_WS_SET_GRACE] = "UPDATE workspaces SET publish_grace_ms = $1, updated_at = $2 WHERE id = $3",
	[Q_PAUSE_INSERT] = "INSERT INTO publishing_pauses (workspace_id, channel_id, paused_by, reason, paused_at) "
			   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
	[Q_PAUSE_DELETE] = "DELETE FROM publishing_pauses WHERE workspace_id = $1 AND channel_id = $2",
	[Q_PAUSE_LIST] = "SELECT channel_id, paused_by, reason, paused_at FROM publishing_pauses WHERE workspace_id = $1 "
			 "ORDER BY channel_id",
	[Q_PAUSE_CHECK] = "SELECT 1 FROM publishing_pauses WHERE workspace_id = $1 AND (channel_id = 0 OR channel_id = $2) "
			  "LIMIT 1",
};


const char *store_pg_sql(enum store_q q)
{
	return q >= 0 && q < Q__COUNT ? sql[q] : NULL;
}

struct pg_store {
	struct store base;
	PGconn *c;
	char *dsn;
	unsigned char prepared[Q__COUNT];
	signed char nparams[Q__COUNT];
	int in_tx;     /* transaction depth: 1 = BEGIN, deeper levels are savepoints */
	int light;     /* Q_TX_LIGHT ran: the next begin is a job claim (no writer lock) */
	int64_t changes;
};

struct store_row {
	PGresult *r;
	int row;
};

/* SQLSTATE classes: 23 integrity constraint violation; 40 transaction
 * rollback (serialization failure, deadlock); 55P03 lock not available
 * (lock_timeout); 57014 canceled; 08 connection exception. */
static int pg_err(struct pg_store *s, PGresult *r, struct err *e, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (!state)
		state = PQstatus(s->c) == CONNECTION_BAD ? "08006" : "";
	if (str_starts(state, "23"))
		return err_set(e, ERR_CONFLICT, "store.constraint", "", "%s: %s", what,
			       r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "constraint");
	if (str_starts(state, "40") || str_starts(state, "08") || strcmp(state, "55P03") == 0 ||
	    strcmp(state, "57014") == 0 || strcmp(state, "57P01") == 0)
		return err_set(e, ERR_UNAVAILABLE, "store.busy", "", "%s: database busy", what);
	log_error("postgres %s: %s (%s)", what, r ? PQresultErrorMessage(r) : PQerrorMessage(s->c), state);
	return err_set(e, ERR_DB, "store.error", "", "%s failed", what);
}

/* Run a statement without parameters; 0 or pg_err's code. */
static int simple(struct pg_store *s, const char *q, struct err *e, const char *what)
{
	PGresult *r = PQexec(s->c, q);
	ExecStatusType st = PQresultStatus(r);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : pg_err(s, r, e, what);
	PQclear(r);
	return rc;
}

static void pg_close(struct store *st)
{
	struct pg_store *s = (struct pg_store *)st;
	if (s->c)
		PQfinish(s->c);
	free(s->dsn);
	free(s);
}

/* A statement that changes rows: inside a transaction it runs under its
 * own savepoint, and its changed-row count is kept. */
static int is_write(enum store_q q)
{
	return str_starts(sql[q], "INSERT") || str_starts(sql[q], "UPDATE") || str_starts(sql[q], "DELETE");
}

/* A connection lost between transactions is opened again (the server
 * restarted, a pooler closed it); its prepared statements went with it. */
static int ensure_connected(struct pg_store *s, struct err *e)
{
	if (PQstatus(s->c) == CONNECTION_OK)
		return 0;
	if (s->in_tx)
		return err_set(e, ERR_UNAVAILABLE, "store.busy", "", "the database connection was lost");
	PQreset(s->c);
	memset(s->prepared, 0, sizeof s->prepared);
	if (PQstatus(s->c) != CONNECTION_OK)
		return err_set(e, ERR_UNAVAILABLE, "store.busy", "", "cannot reach the database");
	return simple(s, "SET lock_timeout = '5s'", e, "connect");
}

static int prepare(struct pg_store *s, enum store_q q, const char *name, struct err *e)
{
	PGresult *r = PQprepare(s->c, name, sql[q], 0, NULL);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pg_err(s, r, e, "prepare");
	PQclear(r);
	if (rc)
		return rc;
	r = PQdescribePrepared(s->c, name);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = pg_err(s, r, e, "describe");
		PQclear(r);
		return rc;
	}
	int n = PQnparams(r);
	PQclear(r);
	if (n > MAX_PARAMS)
		return err_set(e, ERR_INTERNAL, "store.statement", "", "statement %d takes %d parameters", (int)q, n);
	s->nparams[q] = (signed char)n;
	s->prepared[q] = 1;
	return 0;
}

static int pg_exec(struct store *st, enum store_q q, const struct store_val *args, size_t nargs, store_row_fn fn,
		   void *ctx, struct err *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (q < 0 || q >= Q__COUNT || !sql[q])
		return err_set(e, ERR_INTERNAL, "store.statement", "", "unknown statement %d", (int)q);
	int rc = ensure_connected(s, e);
	if (rc)
		return rc;
	char name[16];
	snprintf(name, sizeof name, "k%d", (int)q);
	if (!s->prepared[q] && (rc = prepare(s, q, name, e)))
		return rc;
	/* SQLite reads parameters left unbound as NULL: so do we; more than
	 * the statement takes is a caller's mistake, as SQLITE_RANGE is. */
	if (nargs > (size_t)s->nparams[q])
		return err_set(e, ERR_INTERNAL, "store.statement", "", "statement %d: %zu arguments for %d", (int)q,
			       nargs, s->nparams[q]);
	const char *values[MAX_PARAMS] = {0};
	char ints[MAX_PARAMS][24];
	for (size_t i = 0; i < nargs; i++) {
		if (args[i].t == SV_INT) {
			snprintf(ints[i], sizeof ints[i], "%lld", (long long)args[i].i);
			values[i] = ints[i];
		} else if (args[i].t == SV_TEXT) {
			values[i] = args[i].s;
		}
	}
	if (q == Q_TX_LIGHT)
		s->light = 1;
	else if (q == Q_TX_DURABLE)
		s->light = 0;
	int guard = s->in_tx && is_write(q);
	if (guard && (rc = simple(s, "SAVEPOINT kanal_stmt", e, "savepoint")))
		return rc;
	PGresult *r = PQexecPrepared(s->c, name, s->nparams[q], values, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(r);
	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
		rc = pg_err(s, r, e, "step");
		PQclear(r);
		if (guard) {
			PQclear(PQexec(s->c, "ROLLBACK TO SAVEPOINT kanal_stmt"));
			PQclear(PQexec(s->c, "RELEASE SAVEPOINT kanal_stmt"));
		}
		return rc;
	}
	if (is_write(q)) {
		long long n = 0;
		str_to_i64(PQcmdTuples(r), &n);
		s->changes = n;
	}
	int ret = 0;
	if (fn) {
		struct store_row row = {r, 0};
		int rows = PQntuples(r);
		for (row.row = 0; row.row < rows; row.row++)
			if ((ret = fn(ctx, &row)) != 0)
				break;
	}
	PQclear(r);
	if (guard && (rc = simple(s, "RELEASE SAVEPOINT kanal_stmt", e, "release")))
		return rc;
	return ret;
}

static int64_t pg_changes(struct store *st)
{
	return ((struct pg_store *)st)->changes;
}

static int64_t pg_col_int(struct store_row *r, int i)
{
	if (PQgetisnull(r->r, r->row, i))
		return 0;
	return strtoll(PQgetvalue(r->r, r->row, i), NULL, 10);
}

static const char *pg_col_text(struct store_row *r, int i)
{
	return PQgetisnull(r->r, r->row, i) ? NULL : PQgetvalue(r->r, r->row, i);
}

static int pg_col_is_null(struct store_row *r, int i)
{
	return PQgetisnull(r->r, r->row, i);
}

/* Transactions nest as in store_sqlite.c: the outermost begin opens the
 * transaction and takes the writer lock, inner ones are savepoints. */
static int pg_begin(struct store *st, struct err *e)
{
	struct pg_store *s = (struct pg_store *)st;
	int rc = ensure_connected(s, e);
	if (rc)
		return rc;
	if (s->in_tx) {
		if ((rc = simple(s, "SAVEPOINT kanal_nested", e, "begin")))
			return rc;
		s->in_tx++;
		return 0;
	}
	if ((rc = simple(s, "BEGIN", e, "begin")))
		return rc;
	if (!s->light) {
		char q[96];
		snprintf(q, sizeof q, "SELECT pg_advisory_xact_lock(%lld)", LOCK_WRITER);
		if ((rc = simple(s, q, e, "begin"))) {
			PQclear(PQexec(s->c, "ROLLBACK"));
			return rc;
		}
	}
	s->in_tx = 1;
	return 0;
}

static int pg_commit(struct store *st, struct err *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (s->in_tx > 1) {
		/* On failure the level stays open for the rollback that callers
		 * run after a failed commit. */
		int rc = simple(s, "RELEASE SAVEPOINT kanal_nested", e, "release");
		if (!rc)
			s->in_tx--;
		return rc;
	}
	PGresult *r = PQexec(s->c, "COMMIT");
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_err(s, r, e, "commit");
	else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) /* an aborted transaction "commits" as ROLLBACK */
		rc = err_set(e, ERR_DB, "store.error", "", "commit failed: the transaction was rolled back");
	PQclear(r);
	if (rc && PQtransactionStatus(s->c) != PQTRANS_IDLE)
		PQclear(PQexec(s->c, "ROLLBACK"));
	s->in_tx = 0;
	return rc;
}

static void pg_rollback(struct store *st)
{
	struct pg_store *s = (struct pg_store *)st;
	if (s->in_tx > 1) {
		PQclear(PQexec(s->c, "ROLLBACK TO SAVEPOINT kanal_nested"));
		PQclear(PQexec(s->c, "RELEASE SAVEPOINT kanal_nested"));
		s->in_tx--;
		return;
	}
	if (PQtransactionStatus(s->c) != PQTRANS_IDLE)
		PQclear(PQexec(s->c, "ROLLBACK"));
	s->in_tx = 0;
}

/* Migrations: embedded files "sql/pg/NNNN_name.sql", in name order, each
 * in its own transaction (PostgreSQL's DDL is transactional). A session
 * advisory lock lets one process migrate while another waits. */
static int pg_migrate(struct store *st, int *applied, struct err *e)
{
	struct pg_store *s = (struct pg_store *)st;
	*applied = 0;
	int rc = ensure_connected(s, e);
	if (rc)
		return rc;
	char lock[96], unlock[96];
	snprintf(lock, sizeof lock, "SELECT pg_advisory_lock(%lld)", LOCK_MIGRATE);
	snprintf(unlock, sizeof unlock, "SELECT pg_advisory_unlock(%lld)", LOCK_MIGRATE);
	if ((rc = simple(s, lock, e, "migrate")))
		return rc;
	rc = simple(s, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
		       "name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
		    e, "migrate");
	for (size_t i = 0; !rc && i < embedded_count; i++) {
		const struct embedded_file *f = &embedded_files[i];
		if (!str_starts(f->name, "sql/pg/"))
			continue;
		const char *base = f->name + strlen("sql/pg/");
		long long version;
		char num[8] = {0};
		memcpy(num, base, 4);
		if (str_to_i64(num, &version) || base[4] != '_') {
			rc = err_set(e, ERR_INTERNAL, "store.migration", "", "bad migration name %s", f->name);
			break;
		}
		if ((rc = simple(s, "BEGIN", e, "migrate")))
			break;
		char ver[24], now[24];
		snprintf(ver, sizeof ver, "%lld", version);
		snprintf(now, sizeof now, "%lld", (long long)time_now_ms());
		const char *p1[] = {ver};
		PGresult *r = PQexecParams(s->c, "SELECT 1 FROM schema_migrations WHERE version = $1::BIGINT", 1, NULL, p1,
					   NULL, NULL, 0);
		int have = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
		PQclear(r);
		if (have) {
			PQclear(PQexec(s->c, "ROLLBACK"));
			continue;
		}
		char *script = xstrndup((const char *)f->data, f->len);
		r = PQexec(s->c, script);
		free(script);
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
		if (!ok)
			err_set(e, ERR_DB, "store.migration", "", "migration %s failed: %s", base, PQresultErrorMessage(r));
		PQclear(r);
		if (ok) {
			const char *p3[] = {ver, base, now};
			r = PQexecParams(s->c, "INSERT INTO schema_migrations (version, name, applied_at) "
					       "VALUES ($1::BIGINT, $2, $3::BIGINT)",
					 3, NULL, p3, NULL, NULL, 0);
			ok = PQresultStatus(r) == PGRES_COMMAND_OK;
			if (!ok)
				err_set(e, ERR_DB, "store.migration", "", "migration %s failed: %s", base,
					PQresultErrorMessage(r));
			PQclear(r);
		}
		if (ok) {
			r = PQexec(s->c, "COMMIT");
			ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
			if (!ok)
				err_set(e, ERR_DB, "store.migration", "", "migration %s failed to commit", base);
			PQclear(r);
		}
		if (!ok) {
			PQclear(PQexec(s->c, "ROLLBACK"));
			rc = ERR_DB;
			break;
		}
		log_info("applied migration %s", base);
		(*applied)++;
	}
	struct err e2;
	err_clear(&e2);
	simple(s, unlock, &e2, "migrate");
	return rc;
}

/* A consistent copy is pg_dump's job (one snapshot, while kanal runs): its
 * custom format, restored with pg_restore. Without pg_dump, no backup. */
static int pg_backup(struct store *st, const char *path, struct err *e)
{
	struct pg_store *s = (struct pg_store *)st;
	pid_t pid = fork();
	if (pid < 0)
		return err_set(e, ERR_IO, "backup.pg_dump", "", "cannot start pg_dump: %s", strerror(errno));
	if (pid == 0) {
		umask(077); /* the copy holds sealed credentials and people's data */
		execlp("pg_dump", "pg_dump", "--format=custom", "--no-owner", "--file", path, "--dbname", s->dsn,
		       (char *)NULL);
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	unlink(path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return err_set(e, ERR_UNAVAILABLE, "backup.pg_dump", "",
			       "kanal backup needs pg_dump with a PostgreSQL database: install postgresql-client "
			       "(the server's major version or newer), or back up with your own PostgreSQL tools");
	return err_set(e, ERR_IO, "backup.pg_dump", "", "pg_dump failed (exit %d); nothing was written to %s",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, path);
}

static int pg_open(const char *dsn, struct store **out, struct err *e);

const struct store_ops store_pg_ops = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.migrate = pg_migrate,
	.backup = pg_backup,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.exec = pg_exec,
	.changes = pg_changes,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.col_is_null = pg_col_is_null,
};

/* Notices (a table that already exists, ...) are not errors: debug only. */
static void on_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgres: %s", msg);
}

static int pg_open(const char *dsn, struct store **out, struct err *e)
{
	struct pg_store *s = xcalloc(1, sizeof *s);
	s->base.ops = &store_pg_ops;
	s->dsn = xstrdup(dsn);
	s->c = PQconnectdb(dsn);
	if (PQstatus(s->c) != CONNECTION_OK) {
		/* libpq's message names host and user, never the password */
		char msg[256];
		str_copy(msg, s->c ? PQerrorMessage(s->c) : "out of memory", sizeof msg);
		msg[strcspn(msg, "\n")] = '\0';
		err_set(e, ERR_DB, "store.open", "", "cannot connect to PostgreSQL: %s", msg);
		pg_close(&s->base);
		return ERR_DB;
	}
	PQsetNoticeProcessor(s->c, on_notice, NULL);
	/* SQLite's busy_timeout: a lock wait longer than this is store.busy.
	 * Times are integers, so the session's zone does not matter. */
	if (simple(s, "SET lock_timeout = '5s'", e, "connect")) {
		pg_close(&s->base);
		return ERR_DB;
	}
	*out = &s->base;
	return 0;
}
