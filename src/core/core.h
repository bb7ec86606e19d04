/* core: the domain services (people, workspaces, members, sessions, API
 * tokens, audit). The only place that decides; the HTTP API and the CLI are
 * front ends over these functions. Every function takes the store to use
 * and leaves it unchanged on failure (changes run in one transaction with
 * their audit entry). */
#ifndef KANAL_CORE_H
#define KANAL_CORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/perm.h"
#include "store/store.h"

/* ---- limits (names count characters; buffers hold 4 bytes each) ---------------------------------------------------------- */
#define USER_NAME_MAX 100
#define EMAIL_MAX 254
#define PASSWORD_MIN 8
#define PASSWORD_MAX 256
#define WS_NAME_MAX 100
#define TOKEN_NAME_MAX 100
#define SESSION_TTL_MS (14LL * 24 * 3600 * 1000)

/* Who is acting: a person (session), an API token, or the local CLI. */
struct actor {
	int64_t user_id;      /* the person (or the token's creator), 0 if none */
	int64_t token_id;     /* the API token, 0 if none */
	int64_t token_ws;     /* the workspace a token is scoped to */
	enum role token_role; /* the role a token acts with */
	int cli;              /* the local command line: every right */
	char label[512];      /* for the audit log: a name, "token:NAME", "cli" */
	const char *request_id;
};
void actor_cli(struct actor *a);

struct user {
	int64_t id;
	char email[EMAIL_MAX + 2];
	char name[4 * USER_NAME_MAX + 1];
	char language[4];
	int has_password;
	int64_t created_at;
};

struct workspace {
	int64_t id;
	char name[4 * WS_NAME_MAX + 1];
	char slug[80];
	char timezone[64];
	char language[4];
	char currency[4];
	int64_t created_at;
	enum role role; /* the caller's role, when listed for a user */
};

struct member {
	int64_t user_id;
	char email[EMAIL_MAX + 2];
	char name[4 * USER_NAME_MAX + 1];
	enum role role;
	int64_t created_at;
};

struct token_info {
	int64_t id;
	int64_t workspace_id;
	int64_t user_id;
	char name[TOKEN_NAME_MAX + 1];
	char prefix[16];
	enum role role;
	int64_t created_at, last_used_at, expires_at, revoked_at; /* 0 when unset */
};


/* ---- users (core/user.c) --------------------------------------------- */
/* Normalise and check an email (lower case, one @, a dot in the domain);
 * writes it to out. user.email on failure. */
int user_normalize_email(const char *in, char out[EMAIL_MAX + 2], struct err *e);
/* 8-256 characters, not a common password: password.too_short,
 * password.too_long, password.common. */
int user_check_password(const char *pw, struct err *e);
/* Create a user; password may be NULL (cannot sign in yet). user.exists
 * (ERR_CONFLICT) when the email is taken. */
int user_create(struct store *st, const struct actor *a, const char *email, const char *name, const char *password,
		const char *language, struct user *out, struct err *e);
int user_get(struct store *st, int64_t id, struct user *out, struct err *e);
int user_by_email(struct store *st, const char *email, struct user *out, struct err *e);
/* All users; *out is caller-freed. */
int user_list(struct store *st, struct user **out, size_t *n, struct err *e);
/* Check credentials in constant work: auth.invalid_credentials (401). */
int user_authenticate(struct store *st, const char *email, const char *password, struct user *out,
		      struct err *e);
/* Set a new password and revoke every session of the user. */
int user_set_password(struct store *st, const struct actor *a, int64_t user_id, const char *password,
		      struct err *e);
/* Change name and/or language (NULL keeps). */
int user_update(struct store *st, const struct actor *a, int64_t user_id, const char *name, const char *language,
		struct user *out, struct err *e);
json_t *user_json(const struct user *u);

/* ---- workspaces (core/workspace.c) ----------------------------------- */
/* Create a workspace; owner_id > 0 becomes its owner. Validates name,
 * timezone (workspace.timezone), language (workspace.language) and currency
 * (workspace.currency). */
int workspace_create(struct store *st, const struct actor *a, const char *name, const char *timezone,
		     const char *language, const char *currency, int64_t owner_id, struct workspace *out,
		     struct err *e);
int workspace_get(struct store *st, int64_t id, struct workspace *out, struct err *e);
/* By numeric id or slug. */
int workspace_find(struct store *st, const char *ref, struct workspace *out, struct err *e);
/* user_id 0: every workspace; else the user's, with role. *out caller-freed. */
int workspace_list(struct store *st, int64_t user_id, struct workspace **out, size_t *n, struct err *e);
/* Update the non-NULL fields. */
int workspace_update(struct store *st, const struct actor *a, int64_t id, const char *name, const char *timezone,
		     const char *language, const char *currency, struct workspace *out, struct err *e);
json_t *workspace_json(const struct workspace *w, int with_role);
int currency_valid(const char *code);

/* ---- members (core/member.c) ----------------------------------------- */
/* The user's role in the workspace, or ROLE_NONE. */
enum role member_role(struct store *st, int64_t ws, int64_t user_id);
int member_list(struct store *st, int64_t ws, struct member **out, size_t *n, struct err *e);
/* Add by email; an unknown email creates the user (name required then;
 * password optional). member.exists, member.role. */
int member_add(struct store *st, const struct actor *a, int64_t ws, const char *email, const char *name,
	       const char *role, const char *password, struct member *out, struct err *e);
/* Change a role; revokes the user's sessions and their tokens in ws.
 * member.last_owner (409) when it would leave no owner. */
int member_set_role(struct store *st, const struct actor *a, int64_t ws, int64_t user_id, const char *role,
		    struct member *out, struct err *e);
int member_remove(struct store *st, const struct actor *a, int64_t ws, int64_t user_id, struct err *e);
json_t *member_json(const struct member *m);

/* ---- authorisation (core/authz.c) ------------------------------------ */
/* May actor do p in workspace ws? Returns 0 and the acting role, or
 * workspace.not_found (404: unknown, foreign, or not a member) or
 * auth.forbidden (403). */
int authz_check(struct store *st, const struct actor *a, int64_t ws, enum perm p, enum role *role, struct err *e);

/* ---- sessions (core/session.c) --------------------------------------- */
struct session {
	int64_t id;
	int64_t user_id;
	char csrf[64];
};
/* Start a session: writes the cookie value (secret) and the CSRF token. */
int session_create(struct store *st, int64_t user_id, char secret[64], char csrf[64], struct err *e);
/* Find the live session for a cookie value; auth.invalid when none.
 * Slides the expiry at most once a minute. */
int session_lookup(struct store *st, const char *secret, struct session *out, struct err *e);
int session_delete(struct store *st, int64_t id, struct err *e);

/* ---- API tokens (core/token.c) --------------------------------------- */
/* Create a token (secret written once, "kanal_..."); expires_days 0 = never. */
int token_create(struct store *st, const struct actor *a, int64_t ws, const char *name, const char *role,
		 long long expires_days, struct token_info *out, char secret[64], struct err *e);
/* Resolve a bearer secret to an actor; auth.invalid when unknown, revoked
 * or expired. */
int token_authenticate(struct store *st, const char *secret, struct actor *out, struct err *e);
/* Forget every cached token resolution (after any revocation). */
void token_cache_invalidate(void);
int token_list(struct store *st, int64_t ws, struct token_info **out, size_t *n, struct err *e);
int token_revoke(struct store *st, const struct actor *a, int64_t ws, int64_t id, struct err *e);
json_t *token_json(const struct token_info *t);

/* ---- audit (core/audit.c) -------------------------------------------- */
/* Record a change; called inside the change's transaction. before/after
 * are borrowed JSON summaries (may be NULL). */
int audit_record(struct store *st, const struct actor *a, int64_t ws, const char *action, const char *target,
		 json_t *before, json_t *after, struct err *e);
/* Newest first, ids below before_id (0 = from the newest), at most limit.
 * Returns a JSON array (caller decrefs) in *out. */
int audit_list(struct store *st, int64_t ws, int64_t before_id, int limit, json_t **out, struct err *e);

/* ---- login throttling (core/throttle.c) ------------------------------ */
/* Seconds until key may try again (0: now). */
int throttle_wait(const char *key);
void throttle_fail(const char *key);
void throttle_reset(const char *key);
void throttle_clear_all(void);

/* ---- demo world (core/demo.c) ---------------------------------------- */
#define DEMO_PASSWORD "drita-demo-2026"
/* Create the demo agency and clients unless present; *created = 1 if made. */
int demo_create(struct store *st, int *created, struct err *e);

/* Helpers shared by core files. */
json_t *json_time(int64_t ms); /* RFC 3339 string, or null for 0 */
int core_tx_fail(struct store *st, int rc);

#endif
