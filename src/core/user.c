/* user: people who sign in — creation, credentials, passwords, profile. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "core/core.h"

/* The most common passwords of public breach lists; refused outright. */
static const char *const common_passwords[] = {
	"password", "password1", "password12", "password123", "password1234", "12345678", "123456789",
	"1234567890", "12345678910", "qwertyuiop", "qwerty123", "qwerty12", "1q2w3e4r", "1q2w3e4r5t",
	"11111111", "00000000", "88888888", "87654321", "abcd1234", "abc12345", "iloveyou", "iloveyou1",
	"sunshine", "princess", "football", "baseball", "welcome1", "welcome123", "superman", "trustno1",
	"letmein1", "passw0rd", "p@ssw0rd", "p@ssword", "admin123", "administrator", "changeme",
	"qwertyui", "asdfghjk", "zxcvbnm1", "monkey123", "dragon123", "starwars", "whatever", "computer",
	"michelle", "jennifer", "1qaz2wsx", "q1w2e3r4", "aa123456", "123123123", "987654321", "1234qwer",
	"qwer1234", "mustang1", "shadow12", "master12", "football1", "blink182", "liverpool", "chelsea1",
	"arsenal1", "internet", "samsung1", "kanal123", NULL,
};

json_t *json_time(int64_t ms)
{
	if (!ms)
		return json_null();
	char b[40];
	time_fmt_rfc3339(ms, b, sizeof b);
	return json_string(b);
}

int core_tx_fail(struct store *st, int rc)
{
	store_rollback(st);
	return rc;
}

void actor_cli(struct actor *a)
{
	memset(a, 0, sizeof *a);
	a->cli = 1;
	a->token_role = ROLE_NONE;
	str_copy(a->label, "cli", sizeof a->label);
}

int user_normalize_email(const char *in, char out[EMAIL_MAX + 2], struct err *e)
{
	size_t n = strlen(in);
	if (n < 3 || n > EMAIL_MAX)
		return err_set(e, ERR_INVALID, "user.email", "$.email", "the email must be 3 to %d characters", EMAIL_MAX);
	const char *at = strchr(in, '@');
	if (!at || at == in || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' || in[n - 1] == '.')
		return err_set(e, ERR_INVALID, "user.email", "$.email", "not an email address");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '\\')
			return err_set(e, ERR_INVALID, "user.email", "$.email", "not an email address");
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	return 0;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int user_check_password(const char *pw, struct err *e)
{
	size_t n = utf8_chars(pw);
	if (n < PASSWORD_MIN)
		return err_set(e, ERR_INVALID, "password.too_short", "$.password", "the password needs at least %d characters",
			       PASSWORD_MIN);
	if (n > PASSWORD_MAX || strlen(pw) > 4 * PASSWORD_MAX)
		return err_set(e, ERR_INVALID, "password.too_long", "$.password", "the password is longer than %d characters",
			       PASSWORD_MAX);
	char low[64];
	if (strlen(pw) < sizeof low) {
		size_t i;
		for (i = 0; pw[i]; i++)
			low[i] = (char)tolower((unsigned char)pw[i]);
		low[i] = '\0';
		for (const char *const *c = common_passwords; *c; c++)
			if (strcmp(low, *c) == 0)
				return err_set(e, ERR_INVALID, "password.common", "$.password",
					       "this password is too common");
		/* One character repeated is as weak as a listed one. */
		int same = 1;
		for (i = 1; low[i]; i++)
			if (low[i] != low[0])
				same = 0;
		if (same)
			return err_set(e, ERR_INVALID, "password.common", "$.password", "this password is too common");
	}
	return 0;
}

static int check_name(const char *name, struct err *e)
{
	size_t n = utf8_chars(name);
	if (n < 1 || n > USER_NAME_MAX)
		return err_set(e, ERR_INVALID, "user.name", "$.name", "the name must be 1 to %d characters", USER_NAME_MAX);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20)
			return err_set(e, ERR_INVALID, "user.name", "$.name", "the name contains control characters");
	return 0;
}

static int check_language(const char *l, const char *field, const char *key, struct err *e)
{
	if (strcmp(l, "en") != 0 && strcmp(l, "sq") != 0)
		return err_set(e, ERR_INVALID, key, field, "the language must be \"en\" or \"sq\"");
	return 0;
}

static void fill_user(struct store *st, struct store_row *r, struct user *u)
{
	memset(u, 0, sizeof *u);
	u->id = store_int(st, r, 0);
	str_copy(u->email, store_text(st, r, 1), sizeof u->email);
	str_copy(u->name, store_text(st, r, 2), sizeof u->name);
	u->has_password = !store_is_null(st, r, 3);
	str_copy(u->language, store_text(st, r, 4), sizeof u->language);
	u->created_at = store_int(st, r, 5);
}

struct one_user {
	struct store *st;
	struct user *u;
	char *hash; /* optional: the password hash */
	int found;
};

static int one_user_row(void *ctx, struct store_row *r)
{
	struct one_user *c = ctx;
	fill_user(c->st, r, c->u);
	if (c->hash) {
		const char *h = store_text(c->st, r, 3);
		str_copy(c->hash, h ? h : "", 128);
	}
	c->found = 1;
	return 1;
}

static int get_user(struct store *st, enum store_q q, struct store_val v, struct user *out, char *hash, struct err *e)
{
	struct one_user c = {st, out, hash, 0};
	int rc = store_exec(st, q, &v, 1, one_user_row, &c, e);
	if (rc < 0)
		return rc;
	if (!c.found)
		return err_set(e, ERR_NOTFOUND, "user.not_found", "", "no such user");
	return 0;
}

int user_get(struct store *st, int64_t id, struct user *out, struct err *e)
{
	return get_user(st, Q_USER_BY_ID, SV_I(id), out, NULL, e);
}

int user_by_email(struct store *st, const char *email, struct user *out, struct err *e)
{
	char norm[EMAIL_MAX + 2];
	if (user_normalize_email(email, norm, NULL))
		return err_set(e, ERR_NOTFOUND, "user.not_found", "", "no such user");
	return get_user(st, Q_USER_BY_EMAIL, SV_S(norm), out, NULL, e);
}

json_t *user_json(const struct user *u)
{
	return json_pack("{sI ss ss ss sb so}", "id", (json_int_t)u->id, "email", u->email, "name", u->name,
			 "language", u->language, "has_password", u->has_password, "created_at",
			 json_time(u->created_at));
}

int user_create(struct store *st, const struct actor *a, const char *email, const char *name, const char *password,
		const char *language, struct user *out, struct err *e)
{
	char norm[EMAIL_MAX + 2];
	char hash[128];
	int rc;
	if ((rc = user_normalize_email(email, norm, e)) || (rc = check_name(name, e)))
		return rc;
	if (!language)
		language = "en";
	if ((rc = check_language(language, "$.language", "user.language", e)))
		return rc;
	if (password) {
		if ((rc = user_check_password(password, e)))
			return rc;
		if (crypto_password_hash(password, hash))
			return err_set(e, ERR_INTERNAL, "internal", "", "cannot hash the password");
	}
	if ((rc = store_begin(st, e)))
		return rc;
	int64_t now = time_now_ms(), id = 0;
	struct store_val v[] = {SV_S(norm), SV_S(name), SV_S(password ? hash : NULL), SV_S(language), SV_I(now)};
	rc = store_one_int(st, Q_USER_INSERT, v, NARGS(v), &id, e);
	if (rc == ERR_CONFLICT)
		return core_tx_fail(st, err_set(e, ERR_CONFLICT, "user.exists", "$.email", "a user with this email exists"));
	if (rc)
		return core_tx_fail(st, rc);
	struct user u = {.id = id, .has_password = password != NULL, .created_at = now};
	str_copy(u.email, norm, sizeof u.email);
	str_copy(u.name, name, sizeof u.name);
	str_copy(u.language, language, sizeof u.language);
	json_t *after = json_pack("{ss ss}", "email", u.email, "name", u.name);
	char target[32];
	snprintf(target, sizeof target, "user:%lld", (long long)id);
	rc = audit_record(st, a, 0, "user.create", target, NULL, after, e);
	json_decref(after);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	if (out)
		*out = u;
	return 0;
}

struct user_vec {
	struct store *st;
	struct user *v;
	size_t n, cap;
};

static int user_vec_row(void *ctx, struct store_row *r)
{
	struct user_vec *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	fill_user(c->st, r, &c->v[c->n++]);
	return 0;
}

int user_list(struct store *st, struct user **out, size_t *n, struct err *e)
{
	struct user_vec c = {st, NULL, 0, 0};
	int rc = store_exec(st, Q_USER_LIST, NULL, 0, user_vec_row, &c, e);
	if (rc < 0) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

int user_authenticate(struct store *st, const char *email, const char *password, struct user *out, struct err *e)
{
	char norm[EMAIL_MAX + 2];
	char hash[128] = "";
	struct user u = {0};
	int found = 0;
	if (user_normalize_email(email, norm, NULL) == 0) {
		int rc = get_user(st, Q_USER_BY_EMAIL, SV_S(norm), &u, hash, NULL);
		if (rc == 0)
			found = 1;
		else if (rc != ERR_NOTFOUND)
			return err_set(e, rc, NULL, "", "cannot check credentials now");
	}
	/* Unknown users and users without a password cost the same work. */
	int ok = crypto_password_verify(found && hash[0] ? hash : NULL, password);
	if (!ok)
		return err_set(e, ERR_UNAUTH, "auth.invalid_credentials", "", "wrong email or password");
	*out = u;
	return 0;
}

int user_set_password(struct store *st, const struct actor *a, int64_t user_id, const char *password, struct err *e)
{
	char hash[128];
	int rc = user_check_password(password, e);
	if (rc)
		return rc;
	if (crypto_password_hash(password, hash))
		return err_set(e, ERR_INTERNAL, "internal", "", "cannot hash the password");
	if ((rc = store_begin(st, e)))
		return rc;
	struct store_val v[] = {SV_S(hash), SV_I(time_now_ms()), SV_I(user_id)};
	if ((rc = store_exec(st, Q_USER_SET_PASSWORD, v, NARGS(v), NULL, NULL, e)))
		return core_tx_fail(st, rc);
	if (store_changes(st) == 0)
		return core_tx_fail(st, err_set(e, ERR_NOTFOUND, "user.not_found", "", "no such user"));
	struct store_val u = SV_I(user_id);
	if ((rc = store_exec(st, Q_SESSION_DELETE_USER, &u, 1, NULL, NULL, e)))
		return core_tx_fail(st, rc);
	char target[32];
	snprintf(target, sizeof target, "user:%lld", (long long)user_id);
	if ((rc = audit_record(st, a, 0, "user.password", target, NULL, NULL, e)) || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return 0;
}

int user_update(struct store *st, const struct actor *a, int64_t user_id, const char *name, const char *language,
		struct user *out, struct err *e)
{
	struct user u;
	int rc;
	if ((name && (rc = check_name(name, e))) ||
	    (language && (rc = check_language(language, "$.language", "user.language", e))))
		return rc;
	if ((rc = store_begin(st, e)))
		return rc;
	if ((rc = user_get(st, user_id, &u, e)))
		return core_tx_fail(st, rc);
	json_t *before = json_pack("{ss ss}", "name", u.name, "language", u.language);
	if (name)
		str_copy(u.name, name, sizeof u.name);
	if (language)
		str_copy(u.language, language, sizeof u.language);
	json_t *after = json_pack("{ss ss}", "name", u.name, "language", u.language);
	struct store_val v[] = {SV_S(u.name), SV_S(u.language), SV_I(time_now_ms()), SV_I(user_id)};
	char target[32];
	snprintf(target, sizeof target, "user:%lld", (long long)user_id);
	rc = store_exec(st, Q_USER_UPDATE, v, NARGS(v), NULL, NULL, e);
	if (!rc)
		rc = audit_record(st, a, 0, "user.update", target, before, after, e);
	json_decref(before);
	json_decref(after);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	if (out)
		*out = u;
	return 0;
}
