/* store_sqlite: the SQLite backend (WAL, durable commits, foreign keys,
 * busy timeout, one connection per thread, cached prepared statements).
 *
 * Durability is synchronous=FULL's (a commit returns once its WAL frames
 * are on disk), made as a group commit: the connection runs with
 * synchronous=NORMAL, and a commit, after it has released the write lock,
 * waits for an fdatasync of the WAL that began after it. One fdatasync
 * covers every commit made before it started, so threads committing at
 * the same time share it, and the next writer works while the disk
 * flushes. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/time.h"
#include "store/store.h"

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
 * bound as held). */
#define JOB_HELD(n) "coalesce(j.channel_id IN (SELECT value FROM json_each(?" #n ")), 0)"
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
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
	[Q_USER_BY_EMAIL] = "SELECT " USER_COLS " FROM users WHERE email = ?1",
	[Q_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[Q_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY id",
	[Q_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3",
	[Q_USER_UPDATE] = "UPDATE users SET name = ?1, language = ?2, updated_at = ?3 WHERE id = ?4",

	[Q_WS_INSERT] = "INSERT INTO workspaces (name, slug, timezone, language, currency, created_at, updated_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id",
	[Q_WS_BY_ID] = "SELECT " WS_COLS " FROM workspaces WHERE id = ?1",
	[Q_WS_BY_SLUG] = "SELECT " WS_COLS " FROM workspaces WHERE slug = ?1",
	[Q_WS_LIST] = "SELECT " WS_COLS " FROM workspaces ORDER BY id",
	[Q_WS_LIST_FOR_USER] = "SELECT w.id, w.name, w.slug, w.timezone, w.language, w.currency, w.created_at, m.role "
			       "FROM workspaces w JOIN memberships m ON m.workspace_id = w.id "
			       "WHERE m.user_id = ?1 ORDER BY w.name, w.id",
	[Q_WS_UPDATE] = "UPDATE workspaces SET name = ?1, timezone = ?2, language = ?3, currency = ?4, "
			"updated_at = ?5 WHERE id = ?6",

	[Q_MEMBER_INSERT] = "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)",
	[Q_MEMBER_ROLE] = "SELECT role, created_at FROM memberships WHERE workspace_id = ?1 AND user_id = ?2",
	[Q_MEMBER_LIST] = "SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m "
			  "JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ?1 ORDER BY u.name, u.id",
	[Q_MEMBER_SET_ROLE] = "UPDATE memberships SET role = ?1 WHERE workspace_id = ?2 AND user_id = ?3",
	[Q_MEMBER_DELETE] = "DELETE FROM memberships WHERE workspace_id = ?1 AND user_id = ?2",
	[Q_MEMBER_COUNT_ROLE] = "SELECT count(*) FROM memberships WHERE workspace_id = ?1 AND role = ?2",

	[Q_SESSION_INSERT] = "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, last_seen_at) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?4) RETURNING id",
	[Q_SESSION_GET] = "SELECT id, user_id, csrf, expires_at, last_seen_at FROM sessions "
			  "WHERE token_hash = ?1 AND expires_at > ?2",
	[Q_SESSION_TOUCH] = "UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE id = ?3",
	[Q_SESSION_DELETE] = "DELETE FROM sessions WHERE id = ?1",
	[Q_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?1",
	[Q_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_at <= ?1",

	[Q_TOKEN_INSERT] = "INSERT INTO api_tokens (workspace_id, user_id, name, token_hash, prefix, role, created_at, "
			   "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
	[Q_TOKEN_GET] = "SELECT id, workspace_id, user_id, role, name, last_used_at, expires_at FROM api_tokens "
			"WHERE token_hash = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)",
	[Q_TOKEN_LIST] = "SELECT id, name, prefix, role, user_id, created_at, last_used_at, expires_at, revoked_at "
			 "FROM api_tokens WHERE workspace_id = ?1 ORDER BY id",
	[Q_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = ?1 WHERE workspace_id = ?2 AND id = ?3 "
			   "AND revoked_at IS NULL",
	[Q_TOKEN_REVOKE_USER] = "UPDATE api_tokens SET revoked_at = ?1 WHERE workspace_id = ?2 AND user_id = ?3 "
				"AND revoked_at IS NULL",
	[Q_TOKEN_TOUCH] = "UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2",

	[Q_AUDIT_INSERT] = "INSERT INTO audit_log (workspace_id, actor_user_id, actor_token_id, actor_label, action, "
			   "target, before_json, after_json, request_id, created_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[Q_CHANNEL_INSERT] = "INSERT INTO channels (workspace_id, network, name, handle, limits_json, slots_json, "
			     "timezone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
	[Q_CHANNEL_GET] = "SELECT " CH_COLS " FROM " CH_FROM " WHERE c.workspace_id = ?1 AND c.id = ?2 "
			  "AND c.deleted_at IS NULL",
	[Q_CHANNEL_LIST] = "SELECT " CH_COLS " FROM " CH_FROM " WHERE c.workspace_id = ?1 AND c.deleted_at IS NULL "
			   "ORDER BY c.name, c.id",
	[Q_CHANNEL_UPDATE] = "UPDATE channels SET name = ?1, handle = ?2, limits_json = ?3, slots_json = ?4, timezone = ?5, "
			     "updated_at = ?6 WHERE workspace_id = ?7 AND id = ?8 AND deleted_at IS NULL",
	[Q_CHANNEL_DELETE] = "UPDATE channels SET deleted_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND deleted_at IS NULL",

	[Q_POST_INSERT] = "INSERT INTO posts (workspace_id, title, master_text, link, content_type, media_json, tags_json, "
			  "notes, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) "
			  "RETURNING id",
	[Q_POST_GET] = "SELECT " POST_COLS " FROM posts WHERE workspace_id = ?1 AND id = ?2",
	[Q_POST_LIST] = "SELECT " POST_COLS " FROM posts WHERE workspace_id = ?1 AND (?2 IS NULL OR state = ?2) "
			"AND (?3 IS NULL OR scheduled_at >= ?3) AND (?4 IS NULL OR scheduled_at < ?4) AND id < ?5 "
			"ORDER BY id DESC LIMIT ?6",
	[Q_POST_UPDATE] = "UPDATE posts SET title = ?1, master_text = ?2, link = ?3, content_type = ?4, media_json = ?5, "
			  "tags_json = ?6, notes = ?7, updated_at = ?8 WHERE workspace_id = ?9 AND id = ?10",
	[Q_POST_SET_STATE] = "UPDATE posts SET state = ?1, scheduled_at = ?2, sched_local = ?3, sched_zone = ?4, "
			     "updated_at = ?5, recurrence_json = ?9, next_due_at = CASE WHEN ?1 = 'scheduled' THEN ?2 END "
			     "WHERE workspace_id = ?6 AND id = ?7 AND state = ?8",
	[Q_POST_DELETE] = "DELETE FROM posts WHERE workspace_id = ?1 AND id = ?2",
	[Q_CALENDAR_RANGE] = "SELECT p.id, p.state, p.title, substr(p.master_text, 1, 120), p.scheduled_at, p.sched_local, "
			     "p.sched_zone, p.content_type, v.channel_id, c.network, p.recurrence_json FROM posts p "
			     "LEFT JOIN variants v ON v.post_id = p.id AND v.workspace_id = p.workspace_id "
			     "LEFT JOIN channels c ON c.id = v.channel_id AND c.deleted_at IS NULL "
			     "WHERE p.workspace_id = ?1 AND p.scheduled_at >= ?2 AND p.scheduled_at < ?3 "
			     "AND p.recurrence_json IS NULL",
	[Q_CALENDAR_RECURRING] = "SELECT p.id, p.state, p.title, substr(p.master_text, 1, 120), p.scheduled_at, "
				 "p.sched_local, p.sched_zone, p.content_type, v.channel_id, c.network, p.recurrence_json "
				 "FROM posts p LEFT JOIN variants v ON v.post_id = p.id AND v.workspace_id = p.workspace_id "
				 "LEFT JOIN channels c ON c.id = v.channel_id AND c.deleted_at IS NULL "
				 "WHERE p.workspace_id = ?1 AND p.recurrence_json IS NOT NULL AND p.scheduled_at < ?3 "
				 "AND ?2 IS NOT NULL",
	[Q_CALENDAR_VERSION] = "SELECT version FROM calendar_versions WHERE workspace_id = ?1",
	[Q_CHANNEL_TAKEN] = "SELECT p.scheduled_at FROM posts p JOIN variants v ON v.post_id = p.id "
			    "WHERE p.workspace_id = ?1 AND v.channel_id = ?2 AND p.scheduled_at >= ?3 AND p.scheduled_at < ?4 "
			    "AND p.state NOT IN ('canceled', 'failed') ORDER BY p.scheduled_at",

	[Q_VARIANT_INSERT] = "INSERT INTO variants (workspace_id, post_id, channel_id, created_at, updated_at) "
			     "VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
	[Q_VARIANT_LIST] = "SELECT " VAR_COLS " FROM variants v JOIN channels c ON c.id = v.channel_id "
			   "WHERE v.workspace_id = ?1 AND v.post_id = ?2 AND c.deleted_at IS NULL ORDER BY c.name, v.id",
	[Q_VARIANT_UPDATE] = "UPDATE variants SET text = ?1, link = ?2, first_comment = ?3, alt_text = ?4, thread_json = ?5, "
			     "media_json = ?6, updated_at = ?7 WHERE workspace_id = ?8 AND post_id = ?9 AND id = ?10",
	[Q_VARIANT_DELETE] = "DELETE FROM variants WHERE workspace_id = ?1 AND post_id = ?2 AND id = ?3",

	[Q_COMMENT_INSERT] = "INSERT INTO post_comments (workspace_id, post_id, user_id, author, kind, body, created_at) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
	[Q_COMMENT_LIST] = "SELECT id, user_id, author, kind, body, created_at FROM post_comments "
			   "WHERE workspace_id = ?1 AND post_id = ?2 ORDER BY id",

	[Q_FEED_GET] = "SELECT seed, token_hash, created_at, updated_at FROM calendar_feeds WHERE workspace_id = ?1",
	[Q_FEED_PUT] = "INSERT INTO calendar_feeds (workspace_id, seed, token_hash, created_by, created_at, updated_at) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (workspace_id) DO UPDATE SET seed = excluded.seed, "
		       "token_hash = excluded.token_hash, updated_at = excluded.updated_at",
	[Q_FEED_BY_HASH] = "SELECT workspace_id FROM calendar_feeds WHERE token_hash = ?1",
	[Q_FEED_POSTS] = "SELECT p.id, p.state, p.title, substr(p.master_text, 1, 4000), p.scheduled_at, p.sched_local, "
			 "p.sched_zone, p.recurrence_json, p.created_at, p.updated_at, c.network, c.name FROM "
			 "(SELECT * FROM posts WHERE workspace_id = ?1 AND scheduled_at < ?3 "
			 "AND (scheduled_at >= ?2 OR recurrence_json IS NOT NULL) ORDER BY scheduled_at, id LIMIT ?4) p "
			 "LEFT JOIN variants v ON v.post_id = p.id AND v.workspace_id = p.workspace_id "
			 "LEFT JOIN channels c ON c.id = v.channel_id AND c.deleted_at IS NULL "
			 "ORDER BY p.scheduled_at, p.id, c.name, c.id",
	[Q_EXPORT_POSTS] = "SELECT p.id, p.title, p.master_text, p.link, p.content_type, p.tags_json, p.notes, "
			   "p.scheduled_at, c.id, c.network FROM "
			   "(SELECT * FROM posts WHERE workspace_id = ?1 AND (?2 IS NULL OR state = ?2) AND id > ?3 "
			   "ORDER BY id LIMIT ?4) p "
			   "LEFT JOIN variants v ON v.post_id = p.id AND v.workspace_id = p.workspace_id "
			   "LEFT JOIN channels c ON c.id = v.channel_id AND c.deleted_at IS NULL "
			   "ORDER BY p.id, c.name, c.id",
	[Q_AUDIT_LIST] = "SELECT id, actor_user_id, actor_token_id, actor_label, action, target, before_json, "
			 "after_json, request_id, created_at FROM audit_log "
			 "WHERE workspace_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",

	[Q_MEDIA_INSERT] = "INSERT INTO media (workspace_id, sha256, kind, format, width, height, frames, duration_ms, bytes, "
			   "filename, alt_text, tags_json, created_by, created_at, updated_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14) RETURNING id",
	[Q_MEDIA_GET] = "SELECT " MEDIA_COLS " FROM media m WHERE m.workspace_id = ?1 AND m.id = ?2",
	[Q_MEDIA_BY_SHA] = "SELECT " MEDIA_COLS " FROM media m WHERE m.workspace_id = ?1 AND m.sha256 = ?2",
	[Q_MEDIA_LIST] = "SELECT " MEDIA_COLS " FROM media m WHERE m.workspace_id = ?1 "
			 "AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(m.tags_json) t WHERE t.value = ?2)) "
			 "AND (?3 IS NULL OR m.kind = ?3) AND m.id < ?4 ORDER BY m.id DESC LIMIT ?5",
	[Q_MEDIA_UPDATE] = "UPDATE media SET alt_text = ?1, tags_json = ?2, updated_at = ?3 WHERE workspace_id = ?4 AND id = ?5",
	[Q_MEDIA_DELETE] = "DELETE FROM media WHERE workspace_id = ?1 AND id = ?2",
	[Q_MEDIA_SHA_COUNT] = "SELECT count(*) FROM media WHERE sha256 = ?1",

	[Q_ACCOUNT_PUT] = "INSERT INTO channel_accounts (channel_id, workspace_id, secrets_enc, summary, connected_by, "
			  "connected_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (channel_id) DO UPDATE "
			  "SET secrets_enc = excluded.secrets_enc, summary = excluded.summary, status = 'connected', "
			  "connected_by = excluded.connected_by, updated_at = excluded.updated_at",
	[Q_ACCOUNT_GET] = "SELECT secrets_enc, state_enc, summary, status, connected_at, updated_at FROM channel_accounts "
			  "WHERE workspace_id = ?1 AND channel_id = ?2",
	[Q_ACCOUNT_SET_STATE] = "UPDATE channel_accounts SET state_enc = ?1, updated_at = ?2 WHERE workspace_id = ?3 "
				"AND channel_id = ?4",
	[Q_ACCOUNT_SET_STATUS] = "UPDATE channel_accounts SET status = ?1, updated_at = ?2 WHERE workspace_id = ?3 "
				 "AND channel_id = ?4",
	[Q_ACCOUNT_DELETE] = "DELETE FROM channel_accounts WHERE workspace_id = ?1 AND channel_id = ?2",
	[Q_ACCOUNT_SEALED_ALL] = "SELECT channel_id, secrets_enc, state_enc FROM channel_accounts ORDER BY channel_id",
	[Q_ACCOUNT_RESEAL] = "UPDATE channel_accounts SET secrets_enc = ?1, state_enc = ?2 WHERE channel_id = ?3",
	[Q_ACCOUNT_REFRESH_CLAIM] = "UPDATE channel_accounts SET refresh_owner = ?1, refresh_until = ?2 "
				    "WHERE workspace_id = ?4 AND channel_id = ?5 AND (refresh_until IS NULL "
				    "OR refresh_until < ?3 OR refresh_owner = ?1)",
	[Q_ACCOUNT_REFRESH_SAVE] = "UPDATE channel_accounts SET secrets_enc = ?1, updated_at = ?2, refresh_owner = NULL, "
				   "refresh_until = NULL WHERE workspace_id = ?3 AND channel_id = ?4 AND refresh_owner = ?5",
	[Q_ACCOUNT_REFRESH_RELEASE] = "UPDATE channel_accounts SET refresh_owner = NULL, refresh_until = NULL "
				      "WHERE workspace_id = ?1 AND channel_id = ?2 AND refresh_owner = ?3",
	[Q_OAUTH_STATE_INSERT] = "INSERT INTO oauth_states (state_hash, session_id, user_id, workspace_id, channel_id, "
				 "network, verifier_enc, instance_url, created_at, expires_at) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[Q_OAUTH_STATE_TAKE] = "UPDATE oauth_states SET used_at = ?3 WHERE state_hash = ?1 AND session_id = ?2 "
			       "AND used_at IS NULL AND expires_at > ?3 RETURNING user_id, workspace_id, channel_id, "
			       "network, verifier_enc, instance_url",
	[Q_OAUTH_STATE_PURGE] = "DELETE FROM oauth_states WHERE expires_at <= ?1 OR used_at IS NOT NULL",
	[Q_OAUTH_APP_GET] = "SELECT client_enc FROM oauth_instance_apps WHERE instance_url = ?1",
	[Q_OAUTH_APP_PUT] = "INSERT INTO oauth_instance_apps (instance_url, client_enc, created_at) VALUES (?1, ?2, ?3) "
			    "ON CONFLICT (instance_url) DO NOTHING",
	[Q_OAUTH_APP_REPLACE] = "UPDATE oauth_instance_apps SET client_enc = ?2, created_at = ?3 "
				"WHERE instance_url = ?1 AND client_enc = ?4",
	[Q_OAUTH_APP_SEALED_ALL] = "SELECT instance_url, client_enc FROM oauth_instance_apps ORDER BY instance_url",
	[Q_OAUTH_APP_RESEAL] = "UPDATE oauth_instance_apps SET client_enc = ?1 WHERE instance_url = ?2",
	[Q_OAUTH_STATE_SEALED_ALL] = "SELECT id, channel_id, verifier_enc FROM oauth_states ORDER BY id",
	[Q_OAUTH_STATE_RESEAL] = "UPDATE oauth_states SET verifier_enc = ?1 WHERE id = ?2",

	[Q_JOB_INSERT] = "INSERT INTO jobs (kind, payload, workspace_id, channel_id, run_at, max_attempts, idempotency_key, "
			 "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
			 "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
	[Q_JOB_CLAIM] = "UPDATE jobs SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1, updated_at = ?3 "
			"WHERE id IN (SELECT j.id FROM jobs j WHERE j.done_at IS NULL AND j.dead_at IS NULL "
			"AND j.run_at <= ?3 AND (j.lease_until IS NULL OR j.lease_until < ?3) AND NOT " JOB_PAUSED " "
			"AND NOT " JOB_HELD(5) " ORDER BY j.run_at, j.id LIMIT ?4) RETURNING " JOB_COLS,
	[Q_JOB_DONE] = "UPDATE jobs SET done_at = ?1, lease_owner = NULL, lease_until = NULL, updated_at = ?1 "
		       "WHERE id = ?2 AND lease_owner = ?3",
	[Q_JOB_RETRY] = "UPDATE jobs SET run_at = ?1, last_error = ?2, lease_owner = NULL, lease_until = NULL, "
			"updated_at = ?3 WHERE id = ?4 AND lease_owner = ?5",
	[Q_JOB_DEAD] = "UPDATE jobs SET dead_at = ?2, last_error = ?1, lease_owner = NULL, lease_until = NULL, "
		       "updated_at = ?2 WHERE id = ?3 AND lease_owner = ?4",
	[Q_JOB_RELEASE] = "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, updated_at = ?1 WHERE id = ?2 "
			  "AND lease_owner = ?3",
	[Q_JOB_LEASE_OWNERS] = "SELECT DISTINCT lease_owner FROM jobs WHERE done_at IS NULL AND dead_at IS NULL "
			       "AND lease_until >= ?1",
	[Q_JOB_REAP_OWNER] = "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, updated_at = ?1 "
			     "WHERE lease_owner = ?2 AND done_at IS NULL AND dead_at IS NULL",
	[Q_JOB_REVIVE] = "UPDATE jobs SET payload = ?1, run_at = ?2, attempts = 0, done_at = NULL, dead_at = NULL, "
			 "last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?3 "
			 "WHERE idempotency_key = ?4",
	[Q_JOB_FINISH_KEY] = "UPDATE jobs SET done_at = ?1, lease_owner = NULL, lease_until = NULL, updated_at = ?1 "
			     "WHERE idempotency_key = ?2 AND done_at IS NULL AND dead_at IS NULL",
	[Q_JOB_STATS] = "SELECT count(*), "
			"coalesce(sum(j.run_at <= ?1 AND (j.lease_until IS NULL OR j.lease_until < ?1) AND NOT " JOB_PAUSED
			" AND NOT " JOB_HELD(2) "), 0), coalesce(sum(j.lease_until >= ?1), 0), "
			"(SELECT count(*) FROM jobs WHERE dead_at IS NOT NULL), "
			"min(CASE WHEN j.run_at <= ?1 AND (j.lease_until IS NULL OR j.lease_until < ?1) AND NOT " JOB_PAUSED
			" AND NOT " JOB_HELD(2) " THEN j.run_at END) FROM jobs j WHERE j.done_at IS NULL AND j.dead_at IS NULL",
	[Q_JOB_NEXT_RUN] = "SELECT min(j.run_at) FROM jobs j WHERE j.done_at IS NULL AND j.dead_at IS NULL "
			   "AND (j.lease_until IS NULL OR j.lease_until < ?1) AND NOT " JOB_PAUSED " AND NOT " JOB_HELD(2),
	[Q_JOB_UNCLAIM] = "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, attempts = max(attempts - 1, 0), "
			  "updated_at = ?1 WHERE id = ?2 AND lease_owner = ?3",
	[Q_JOB_HELD_BY_NETWORK] = "SELECT c.network, count(*) FROM jobs j JOIN channels c ON c.id = j.channel_id "
				  "WHERE j.done_at IS NULL AND j.dead_at IS NULL AND j.run_at <= ?1 "
				  "AND (j.lease_until IS NULL OR j.lease_until < ?1) AND " JOB_HELD(2) " GROUP BY c.network",
	[Q_JOB_PURGE_DONE] = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE done_at IS NOT NULL "
			     "AND done_at < ?1 ORDER BY done_at LIMIT ?2)",
	[Q_JOB_PURGE_DEAD] = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE dead_at IS NOT NULL "
			     "AND dead_at < ?1 ORDER BY dead_at LIMIT ?2)",
	/* A claim need not reach the disk: lost in a crash, the job is simply
	 * unclaimed (no attempt was written); the next durable commit syncs
	 * the WAL frames before it anyway. Not run: sq_exec sets the
	 * connection's flag for group_sync. */
	[Q_TX_LIGHT] = "PRAGMA synchronous=NORMAL",
	[Q_TX_DURABLE] = "PRAGMA synchronous=NORMAL",
	[Q_RATE_PUT] = "INSERT INTO rate_windows (key, network, lim, reset_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) "
		       "ON CONFLICT (key) DO UPDATE SET network = excluded.network, lim = excluded.lim, "
		       "reset_at = max(reset_at, excluded.reset_at), updated_at = excluded.updated_at",
	[Q_RATE_GET] = "SELECT reset_at, lim FROM rate_windows WHERE key = ?1 AND reset_at > ?2",
	[Q_RATE_PURGE] = "DELETE FROM rate_windows WHERE reset_at <= ?1",

	[Q_PLAN_DUE] = "SELECT id, workspace_id, next_due_at, sched_local, sched_zone, recurrence_json FROM posts "
		       "WHERE next_due_at IS NOT NULL AND next_due_at <= ?1 ORDER BY next_due_at, id LIMIT ?2",
	[Q_PLAN_NEXT] = "SELECT min(next_due_at) FROM posts WHERE next_due_at IS NOT NULL",
	[Q_POST_ADVANCE] = "UPDATE posts SET next_due_at = ?1, updated_at = ?2 WHERE workspace_id = ?3 AND id = ?4 "
			   "AND next_due_at = ?5",
	[Q_POST_SET_PUBSTATE] = "UPDATE posts SET state = ?1, updated_at = ?2 WHERE workspace_id = ?3 AND id = ?4 "
				"AND state <> ?1 AND state IN ('scheduled', 'publishing', 'published', 'failed', "
				"'unconfirmed', 'canceled')",
	[Q_POST_NEXT_DUE] = "SELECT next_due_at FROM posts WHERE workspace_id = ?1 AND id = ?2",
	[Q_PUB_INSERT] = "INSERT INTO publications (workspace_id, post_id, variant_id, channel_id, network, due_at, "
			 "idempotency_key, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
			 "ON CONFLICT DO NOTHING RETURNING id",
	[Q_PUB_GET] = "SELECT " PUB_COLS " FROM " PUB_FROM " WHERE p.workspace_id = ?1 AND p.id = ?2",
	[Q_PUB_LIST_POST] = "SELECT " PUB_COLS " FROM " PUB_FROM " WHERE p.workspace_id = ?1 AND p.post_id = ?2 "
			    "ORDER BY p.due_at DESC, c.name, p.id",
	[Q_PUB_LIST_STATE] = "SELECT " PUB_COLS " FROM " PUB_FROM " WHERE p.workspace_id = ?1 AND p.state = ?2 "
			     "AND p.id < ?3 ORDER BY p.id DESC LIMIT ?4",
	[Q_PUB_SET_STATE] = "UPDATE publications SET state = ?1, remote_id = coalesce(?2, remote_id), "
			    "remote_url = coalesce(?3, remote_url), last_error = ?4, last_error_code = ?5, "
			    "published_at = coalesce(?6, published_at), updated_at = ?7 "
			    "WHERE workspace_id = ?8 AND id = ?9 AND state = ?10",
	[Q_PUB_START_ATTEMPT] = "UPDATE publications SET state = 'publishing', attempts = attempts + 1, updated_at = ?1 "
				"WHERE workspace_id = ?2 AND id = ?3 AND state IN ('pending', 'publishing') "
				"RETURNING attempts",
	/* INDEXED BY: without it the planner walks publications_state for the
	 * GROUP BY, every publication of the workspace on each call */
	[Q_PUB_POST_STATES] = "SELECT state, count(*) FROM publications INDEXED BY publications_post "
			      "WHERE workspace_id = ?1 AND post_id = ?2 "
			      "AND due_at = (SELECT max(due_at) FROM publications WHERE workspace_id = ?1 AND post_id = ?2) "
			      "GROUP BY state",
	[Q_PUB_PAUSED_DUE] = "SELECT id, due_at, channel_id FROM publications WHERE workspace_id = ?1 "
			     "AND (?2 = 0 OR channel_id = ?2) AND state = 'pending' AND attempts = 0 AND due_at <= ?3",
	[Q_PUB_ORPHANS] = "SELECT p.workspace_id, p.id, p.channel_id, p.due_at, p.idempotency_key FROM publications p "
			  "WHERE p.state IN ('pending', 'publishing') AND NOT EXISTS (SELECT 1 FROM jobs j "
			  "WHERE j.idempotency_key = 'publish:' || p.idempotency_key AND j.done_at IS NULL "
			  "AND j.dead_at IS NULL) LIMIT ?1",
	[Q_ATTEMPT_INSERT] = "INSERT INTO attempts (workspace_id, publication_id, attempt, kind, idempotency_key, "
			     "started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
	[Q_ATTEMPT_FINISH] = "UPDATE attempts SET outcome = ?1, http_status = ?2, message = ?3, finished_at = ?4 "
			     "WHERE workspace_id = ?5 AND id = ?6",
	[Q_ATTEMPT_OPEN] = "SELECT id, attempt, kind FROM attempts WHERE workspace_id = ?1 AND publication_id = ?2 "
			   "AND finished_at IS NULL ORDER BY attempt",
	[Q_ATTEMPT_LIST] = "SELECT id, attempt, kind, idempotency_key, started_at, finished_at, outcome, http_status, "
			   "message FROM attempts WHERE workspace_id = ?1 AND publication_id = ?2 ORDER BY attempt",
	[Q_ATTEMPT_NEXT_NO] = "SELECT coalesce(max(attempt), 0) + 1 FROM attempts WHERE workspace_id = ?1 "
			      "AND publication_id = ?2",
	[Q_WS_GRACE] = "SELECT publish_grace_ms FROM workspaces WHERE id = ?1",
	[Q_WS_SET_GRACE] = "UPDATE workspaces SET publish_grace_ms = ?1, updated_at = ?2 WHERE id = ?3",
	[Q_PAUSE_INSERT] = "INSERT INTO publishing_pauses (workspace_id, channel_id, paused_by, reason, paused_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
	[Q_PAUSE_DELETE] = "DELETE FROM publishing_pauses WHERE workspace_id = ?1 AND channel_id = ?2",
	[Q_PAUSE_LIST] = "SELECT channel_id, paused_by, reason, paused_at FROM publishing_pauses WHERE workspace_id = ?1 "
			 "ORDER BY channel_id",
	[Q_PAUSE_CHECK] = "SELECT 1 FROM publishing_pauses WHERE workspace_id = ?1 AND (channel_id = 0 OR channel_id = ?2) "
			  "LIMIT 1",
	[Q_CHANNEL_LIVE] = "SELECT 1 FROM channels WHERE workspace_id = ?1 AND id = ?2 AND deleted_at IS NULL",
};

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[Q__COUNT];
	int in_tx; /* transaction depth: 1 = BEGIN, deeper levels are savepoints */
	int holds_writer; /* this connection holds write_mu (its BEGIN IMMEDIATE) */
	int light;	  /* Q_TX_LIGHT: the next commits need not wait for the disk */
	char wal[1100];	  /* the WAL file's path; "" for a database without one */
};

/* ---- group commit ------------------------------------------------------ */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t ticket; /* commits that asked for the disk so far */
	uint64_t synced; /* every ticket up to this one is on disk */
	int syncing;     /* an fdatasync is under way */
	char wal[1100];	 /* the WAL these tickets belong to */
} gc = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* fdatasync of the WAL; a WAL that is gone was checkpointed into the
 * database file and synced with it. */
static int wal_sync(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	int rc = fdatasync(fd);
	close(fd);
	return rc;
}

/* Returns once what this connection committed is on disk: an fdatasync
 * that started after the commit, its own or another thread's. */
static int group_sync(struct sqlite_store *s)
{
	if (!s->wal[0])
		return 0;
	pthread_mutex_lock(&gc.mu);
	if (strcmp(gc.wal, s->wal) != 0) {
		if (gc.syncing) {
			/* another database in this process (tests): no sharing */
			pthread_mutex_unlock(&gc.mu);
			return wal_sync(s->wal);
		}
		str_copy(gc.wal, s->wal, sizeof gc.wal);
		gc.synced = gc.ticket;
	}
	uint64_t mine = ++gc.ticket;
	int rc = 0;
	while (gc.synced < mine) {
		if (gc.syncing) {
			pthread_cond_wait(&gc.cv, &gc.mu);
			continue;
		}
		/* lead: one sync for every ticket taken so far */
		uint64_t upto = gc.ticket;
		gc.syncing = 1;
		pthread_mutex_unlock(&gc.mu);
		rc = wal_sync(s->wal);
		pthread_mutex_lock(&gc.mu);
		gc.syncing = 0;
		if (rc == 0 && upto > gc.synced)
			gc.synced = upto;
		pthread_cond_broadcast(&gc.cv);
		if (rc)
			break;
	}
	pthread_mutex_unlock(&gc.mu);
	return rc;
}

static int durable(struct sqlite_store *s, struct err *e)
{
	if (s->light || group_sync(s) == 0)
		return 0;
	log_error("sqlite: fdatasync of %s: %s", s->wal, strerror(errno));
	return err_set(e, ERR_DB, "store.error", "", "commit: the disk did not take the write");
}

/* Write transactions of this process queue here before BEGIN IMMEDIATE:
 * SQLite's own busy handler sleeps 1, 2, 5 ... 100 ms between tries, so
 * threads that contend for the write lock idle far longer than the lock is
 * held (a publish transaction holds it well under a millisecond). A mutex
 * hands the lock over at once. Other processes still meet the busy
 * timeout; waiting here is bounded by the same 5 s. */
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;
#define STORE_WRITER_WAIT_MS 5000

static int writer_lock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STORE_WRITER_WAIT_MS / 1000;
	return pthread_mutex_timedlock(&write_mu, &ts);
}

struct store_row {
	sqlite3_stmt *s;
};

static int db_err(struct sqlite_store *s, struct err *e, const char *what)
{
	int ext = sqlite3_extended_errcode(s->db);
	if ((ext & 0xff) == SQLITE_CONSTRAINT)
		return err_set(e, ERR_CONFLICT, "store.constraint", "", "%s: %s", what, sqlite3_errmsg(s->db));
	if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
		return err_set(e, ERR_UNAVAILABLE, "store.busy", "", "%s: database busy", what);
	log_error("sqlite %s: %s (%d)", what, sqlite3_errmsg(s->db), ext);
	return err_set(e, ERR_DB, "store.error", "", "%s failed", what);
}

static void sq_close(struct store *st)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	if (s->holds_writer)
		pthread_mutex_unlock(&write_mu);
	free(s);
}

static int sq_open(const char *dsn, struct store **out, struct err *e);

static int pragma(struct sqlite_store *s, const char *q, struct err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, q, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, ERR_DB, "store.open", "", "%s: %s", q, msg ? msg : "?");
		sqlite3_free(msg);
		return ERR_DB;
	}
	return 0;
}

static int sq_exec(struct store *st, enum store_q q, const struct store_val *args, size_t nargs,
		   store_row_fn fn, void *ctx, struct err *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	if (q < 0 || q >= Q__COUNT || !sql[q])
		return err_set(e, ERR_INTERNAL, "store.statement", "", "unknown statement %d", (int)q);
	if (q == Q_TX_LIGHT || q == Q_TX_DURABLE) {
		s->light = q == Q_TX_LIGHT;
		return 0;
	}
	sqlite3_stmt *stmt = s->stmt[q];
	if (!stmt) {
		if (sqlite3_prepare_v3(s->db, sql[q], -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
			return db_err(s, e, "prepare");
		s->stmt[q] = stmt;
	}
	for (size_t i = 0; i < nargs; i++) {
		int rc;
		switch (args[i].t) {
		case SV_INT:
			rc = sqlite3_bind_int64(stmt, (int)i + 1, args[i].i);
			break;
		case SV_TEXT:
			rc = sqlite3_bind_text(stmt, (int)i + 1, args[i].s, -1, SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(stmt, (int)i + 1);
		}
		if (rc != SQLITE_OK) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return db_err(s, e, "bind");
		}
	}
	int ret = 0;
	struct store_row row = {stmt};
	for (;;) {
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			if (fn && (ret = fn(ctx, &row)) != 0)
				break;
			continue;
		}
		if (rc != SQLITE_DONE)
			ret = db_err(s, e, "step");
		break;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	/* a write outside a transaction committed by itself */
	if (ret >= 0 && !s->in_tx && !sqlite3_stmt_readonly(stmt)) {
		int rc = durable(s, e);
		if (rc)
			return rc;
	}
	return ret;
}

static int64_t sq_changes(struct store *st)
{
	return sqlite3_changes64(((struct sqlite_store *)st)->db);
}

static int64_t sq_col_int(struct store_row *r, int i)
{
	return sqlite3_column_int64(r->s, i);
}

static const char *sq_col_text(struct store_row *r, int i)
{
	return (const char *)sqlite3_column_text(r->s, i);
}

static int sq_col_is_null(struct store_row *r, int i)
{
	return sqlite3_column_type(r->s, i) == SQLITE_NULL;
}

/* Transactions nest: the outermost begin takes the write lock (BEGIN
 * IMMEDIATE), inner ones are savepoints, so that a service that runs its
 * own transaction can also run inside a caller's (a CSV import creates
 * every post in one transaction, each through post_create). */
static void writer_unlock(struct sqlite_store *s)
{
	if (s->holds_writer) {
		s->holds_writer = 0;
		pthread_mutex_unlock(&write_mu);
	}
}

static int sq_begin(struct store *st, struct err *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	const char *q = s->in_tx ? "SAVEPOINT kanal_nested" : "BEGIN IMMEDIATE";
	if (!s->in_tx) {
		if (writer_lock() != 0)
			return err_set(e, ERR_UNAVAILABLE, "store.busy", "", "begin: database busy");
		s->holds_writer = 1;
	}
	if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK) {
		int rc = db_err(s, e, "begin");
		if (!s->in_tx)
			writer_unlock(s);
		return rc;
	}
	s->in_tx++;
	return 0;
}

static int sq_commit(struct store *st, struct err *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	if (s->in_tx > 1) {
		/* On failure the level stays open for the rollback that callers
		 * run after a failed commit. */
		if (sqlite3_exec(s->db, "RELEASE kanal_nested", NULL, NULL, NULL) != SQLITE_OK)
			return db_err(s, e, "release");
		s->in_tx--;
		return 0;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = db_err(s, e, "commit");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = 0;
		writer_unlock(s);
		return rc;
	}
	s->in_tx = 0;
	writer_unlock(s);
	return durable(s, e);
}

/* Undo the innermost level: back to its savepoint, or the whole
 * transaction at the outermost level. */
static void sq_rollback(struct store *st)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	if (s->in_tx > 1) {
		sqlite3_exec(s->db, "ROLLBACK TO kanal_nested", NULL, NULL, NULL);
		sqlite3_exec(s->db, "RELEASE kanal_nested", NULL, NULL, NULL);
		s->in_tx--;
		return;
	}
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = 0;
	writer_unlock(s);
}

/* Migrations: embedded files "sql/sqlite/NNNN_name.sql", in name order. */
static int sq_migrate(struct store *st, int *applied, struct err *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	*applied = 0;
	if (pragma(s, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
		      "name TEXT NOT NULL, applied_at INTEGER NOT NULL)", e))
		return ERR_DB;
	for (size_t i = 0; i < embedded_count; i++) {
		const struct embedded_file *f = &embedded_files[i];
		if (!str_starts(f->name, "sql/sqlite/"))
			continue;
		const char *base = f->name + strlen("sql/sqlite/");
		long long version;
		char num[8] = {0};
		memcpy(num, base, 4);
		if (str_to_i64(num, &version) || base[4] != '_')
			return err_set(e, ERR_INTERNAL, "store.migration", "", "bad migration name %s", f->name);
		if (sq_begin(st, e))
			return ERR_DB;
		sqlite3_stmt *chk = NULL;
		int have = 0;
		if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1, &chk, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_int64(chk, 1, version);
			have = sqlite3_step(chk) == SQLITE_ROW;
		}
		sqlite3_finalize(chk);
		if (have) {
			sq_rollback(st);
			continue;
		}
		char *script = xstrndup((const char *)f->data, f->len);
		char *msg = NULL;
		int rc = sqlite3_exec(s->db, script, NULL, NULL, &msg);
		free(script);
		if (rc == SQLITE_OK) {
			sqlite3_stmt *ins = NULL;
			rc = sqlite3_prepare_v2(s->db,
						"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
						-1, &ins, NULL);
			if (rc == SQLITE_OK) {
				sqlite3_bind_int64(ins, 1, version);
				sqlite3_bind_text(ins, 2, base, -1, SQLITE_STATIC);
				sqlite3_bind_int64(ins, 3, time_now_ms());
				rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			}
			sqlite3_finalize(ins);
		}
		if (rc != SQLITE_OK) {
			err_set(e, ERR_DB, "store.migration", "", "migration %s failed: %s", base,
				msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			sq_rollback(st);
			return ERR_DB;
		}
		if (sq_commit(st, e))
			return ERR_DB;
		log_info("applied migration %s", base);
		(*applied)++;
	}
	return 0;
}

static int sq_backup(struct store *st, const char *path, struct err *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		err_set(e, ERR_IO, "backup.open", "", "cannot open %s: %s", path, dst ? sqlite3_errmsg(dst) : "?");
		sqlite3_close(dst);
		return ERR_IO;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->db, "main");
	if (!b) {
		err_set(e, ERR_IO, "backup.init", "", "backup failed: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return ERR_IO;
	}
	int rc;
	/* Copy in steps so writers are not blocked for the whole copy. */
	while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(rc == SQLITE_OK ? 0 : 5);
	sqlite3_backup_finish(b);
	int ret = 0;
	if (rc != SQLITE_DONE)
		ret = err_set(e, ERR_IO, "backup.copy", "", "backup failed: %s", sqlite3_errstr(rc));
	sqlite3_close(dst);
	return ret;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.migrate = sq_migrate,
	.backup = sq_backup,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.exec = sq_exec,
	.changes = sq_changes,
	.col_int = sq_col_int,
	.col_text = sq_col_text,
	.col_is_null = sq_col_is_null,
};

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

/* Process-wide settings, before the first connection: no allocation
 * statistics (a global mutex on every malloc otherwise). */
static void configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

static int sq_open(const char *dsn, struct store **out, struct err *e)
{
	pthread_once(&config_once, configure);
	struct sqlite_store *s = xcalloc(1, sizeof *s);
	s->base.ops = &store_sqlite_ops;
	if (sqlite3_open_v2(dsn, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		err_set(e, ERR_DB, "store.open", "", "cannot open database %s: %s", dsn,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sq_close(&s->base);
		return ERR_DB;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	if (pragma(s, "PRAGMA journal_mode=WAL", e) || pragma(s, "PRAGMA synchronous=NORMAL", e) ||
	    pragma(s, "PRAGMA foreign_keys=ON", e) || pragma(s, "PRAGMA mmap_size=268435456", e)) {
		sq_close(&s->base);
		return ERR_DB;
	}
	/* durable commits sync the WAL themselves (group_sync) */
	const char *file = sqlite3_db_filename(s->db, "main");
	sqlite3_stmt *jm = NULL;
	if (file && *file && sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &jm, NULL) == SQLITE_OK &&
	    sqlite3_step(jm) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(jm, 0), "wal") == 0)
		snprintf(s->wal, sizeof s->wal, "%s-wal", file);
	sqlite3_finalize(jm);
	if (!s->wal[0] && file && *file && pragma(s, "PRAGMA synchronous=FULL", e)) {
		sq_close(&s->base);
		return ERR_DB;
	}
	*out = &s->base;
	return 0;
}
