/* account: the credentials behind a channel (a webhook's URL and secret,
 * a network's tokens), sealed at rest with the channel id as associated
 * data. Nothing here ever returns or logs a secret: people see a summary
 * (the host or the handle). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/time.h"
#include "core/content.h"
#include "core/publish.h"

static void ad_of(int64_t channel, char *out, size_t n)
{
	snprintf(out, n, "channel:%lld", (long long)channel);
}

/* An http(s) URL without spaces or control characters, with a host. */
static int check_url(const char *url, const char *field, struct err *e)
{
	size_t n = strlen(url);
	const char *host = str_starts(url, "https://") ? url + 8 : str_starts(url, "http://") ? url + 7 : NULL;
	if (!host || n > 2048 || !*host || *host == '/')
		return err_set(e, ERR_INVALID, "account.url", field, "an http(s) URL of at most 2048 bytes");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return err_set(e, ERR_INVALID, "account.url", field, "a URL has no spaces or control characters");
	return 0;
}

/* The host (and port) of a URL, without any user:password@ part. */
static void host_of(const char *url, char *out, size_t size)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	size_t len = strcspn(h, "/?#");
	const char *at = memchr(h, '@', len);
	if (at) {
		len -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	if (len >= size)
		len = size - 1;
	memcpy(out, h, len);
	out[len] = '\0';
}

static int webhook_fields(json_t *fields, json_t **sealed, char *summary, size_t ssize, struct err *e)
{
	static const char *const keys[] = {"url", "secret", "idempotent", "timeout_seconds", NULL};
	const char *url = NULL, *secret = NULL;
	int idem = 0;
	long long timeout = 15;
	int rc;
	if ((rc = json_only_keys(fields, keys, e)) || (rc = json_get_str(fields, "url", 1, 1, 2048, &url, e)) ||
	    (rc = json_get_str(fields, "secret", 1, 16, 512, &secret, e)) ||
	    (rc = json_get_bool(fields, "idempotent", 0, &idem, e)) < 0 ||
	    (rc = json_get_int(fields, "timeout_seconds", 0, 1, 60, &timeout, e)) < 0)
		return rc;
	if ((rc = check_url(url, "$.url", e)))
		return rc;
	host_of(url, summary, ssize);
	*sealed = json_pack("{ss ss sb sI}", "url", url, "secret", secret, "idempotent", idem, "timeout_ms",
			    (json_int_t)(timeout * 1000));
	return 0;
}

static int generic_fields(json_t *fields, json_t **sealed, char *summary, size_t ssize, struct err *e)
{
	static const char *const keys[] = {"base_url", "handle", "secrets", NULL};
	const char *base = NULL, *handle = NULL;
	int rc;
	if ((rc = json_only_keys(fields, keys, e)) || (rc = json_get_str(fields, "base_url", 0, 1, 2048, &base, e)) < 0 ||
	    (rc = json_get_str(fields, "handle", 0, 1, 300, &handle, e)) < 0)
		return rc;
	if (base && (rc = check_url(base, "$.base_url", e)))
		return rc;
	json_t *secrets = json_object_get(fields, "secrets");
	if (!json_is_object(secrets) || json_object_size(secrets) < 1 || json_object_size(secrets) > 16)
		return err_set(e, ERR_INVALID, "account.secrets", "$.secrets", "secrets is an object of 1 to 16 texts");
	const char *k;
	json_t *v;
	json_object_foreach(secrets, k, v)
	{
		if (!json_is_string(v) || json_string_length(v) < 1 || json_string_length(v) > 4096 || strlen(k) > 64)
			return err_set(e, ERR_INVALID, "account.secrets", "$.secrets",
				       "each secret is a text of 1 to 4096 bytes under a name of at most 64");
	}
	if (handle)
		str_copy(summary, handle, ssize);
	else if (base)
		host_of(base, summary, ssize);
	else
		str_copy(summary, "connected", ssize);
	*sealed = json_pack("{sO}", "secrets", secrets);
	if (base)
		json_object_set_new(*sealed, "base_url", json_string(base));
	if (handle)
		json_object_set_new(*sealed, "handle", json_string(handle));
	return 0;
}

static char *seal_json(int64_t channel, json_t *v)
{
	char ad[40];
	ad_of(channel, ad, sizeof ad);
	char *plain = json_dumps(v, JSON_COMPACT);
	char *sealed = crypto_seal(ACCOUNT_PURPOSE, ad, plain, strlen(plain));
	crypto_free_secret(plain);
	return sealed;
}

static int same_text(json_t *a, json_t *b, const char *k, int nocase)
{
	const char *x = json_string_value(json_object_get(a, k)), *y = json_string_value(json_object_get(b, k));
	if (!x || !y)
		return x == y;
	return nocase ? strcasecmp(x, y) == 0 : strcmp(x, y) == 0;
}

/* 1 when the channel has a stored session and the new fields name another
 * account or another server than the stored ones: that session (its tokens,
 * its DID) must neither be sent to the new server nor used for the new
 * account. A reconnect of the same account keeps it (and its refresh
 * token). */
static int other_account(struct store *st, int64_t ws, int64_t channel, json_t *sealed)
{
	json_t *old = NULL, *state = NULL;
	struct err e;
	err_clear(&e);
	if (account_load(st, ws, channel, &old, &state, &e) || !state) {
		json_decref(old);
		json_decref(state);
		return 0;
	}
	int other = !same_text(old, sealed, "base_url", 0) || !same_text(old, sealed, "handle", 1);
	json_decref(old);
	json_decref(state);
	return other;
}

int account_put(struct store *st, const struct actor *a, int64_t ws, int64_t channel, json_t *fields, json_t **out,
		struct err *e)
{
	json_t *ch = NULL, *sealed = NULL;
	char summary[320] = "";
	int rc = channel_get(st, ws, channel, &ch, e);
	if (rc)
		return rc;
	char net[32];
	str_copy(net, json_string_value(json_object_get(ch, "network")), sizeof net);
	if (strcmp(net, "manual") == 0)
		rc = err_set(e, ERR_INVALID, "account.not_needed", "", "a manual channel needs no account");
	else if (strcmp(net, "webhook") == 0)
		rc = webhook_fields(fields, &sealed, summary, sizeof summary, e);
	else
		rc = generic_fields(fields, &sealed, summary, sizeof summary, e);
	json_decref(ch);
	if (rc)
		return rc;
	char *enc = seal_json(channel, sealed);
	int other = strcmp(net, "webhook") != 0 && other_account(st, ws, channel, sealed);
	json_decref(sealed);
	if (!(rc = store_begin(st, e))) {
		struct store_val v[] = {SV_I(channel), SV_I(ws), SV_S(enc), SV_S(summary), SV_ID(a->user_id),
					SV_I(time_now_ms())};
		rc = store_exec(st, Q_ACCOUNT_PUT, v, NARGS(v), NULL, NULL, e);
		/* another account (or server): the stored session is not its own */
		if (!rc && other)
			rc = account_save_state(st, ws, channel, NULL, e);
		char target[40];
		snprintf(target, sizeof target, "channel:%lld", (long long)channel);
		json_t *after = json_pack("{ss ss}", "network", net, "summary", summary);
		if (!rc)
			rc = audit_record(st, a, ws, "channel.account_connect", target, NULL, after, e);
		json_decref(after);
		if (rc || (rc = store_commit(st, e)))
			core_tx_fail(st, rc);
	}
	free(enc);
	if (rc)
		return rc;
	return channel_get(st, ws, channel, out, e);
}

/* An account connected through OAuth: sealed is the whole layout
 * {secrets: {access_token, refresh_token?, expires_at_ms?, scope?},
 * base_url, handle}. A reconnect of the same account whose answer had no
 * refresh token keeps the stored one (networks send it only on the first
 * consent, or only with some scopes); another account drops the stored
 * connector state as account_put does. */
int account_put_oauth(struct store *st, const struct actor *a, int64_t ws, int64_t channel, const char *network,
		      json_t *sealed, struct err *e)
{
	json_t *old = NULL, *state = NULL;
	struct err le;
	err_clear(&le);
	int other = other_account(st, ws, channel, sealed);
	json_t *secrets = json_object_get(sealed, "secrets");
	if (!json_string_value(json_object_get(secrets, "refresh_token")) &&
	    account_load(st, ws, channel, &old, &state, &le) == 0 && same_text(old, sealed, "base_url", 0) &&
	    same_text(old, sealed, "handle", 1)) {
		json_t *rt = json_object_get(json_object_get(old, "secrets"), "refresh_token");
		if (json_is_string(rt) && json_string_length(rt) > 0)
			json_object_set(secrets, "refresh_token", rt);
	}
	json_decref(old);
	json_decref(state);
	char summary[320];
	const char *handle = json_string_value(json_object_get(sealed, "handle"));
	const char *base = json_string_value(json_object_get(sealed, "base_url"));
	if (handle)
		str_copy(summary, handle, sizeof summary);
	else if (base)
		host_of(base, summary, sizeof summary);
	else
		str_copy(summary, "connected", sizeof summary);
	char *enc = seal_json(channel, sealed);
	int rc = store_begin(st, e);
	if (!rc) {
		struct store_val v[] = {SV_I(channel), SV_I(ws), SV_S(enc), SV_S(summary), SV_ID(a->user_id),
					SV_I(time_now_ms())};
		rc = store_exec(st, Q_ACCOUNT_PUT, v, NARGS(v), NULL, NULL, e);
		if (!rc && other)
			rc = account_save_state(st, ws, channel, NULL, e);
		char target[40];
		snprintf(target, sizeof target, "channel:%lld", (long long)channel);
		json_t *after = json_pack("{ss ss ss}", "network", network, "summary", summary, "via", "oauth");
		if (!rc)
			rc = audit_record(st, a, ws, "channel.account_connect", target, NULL, after, e);
		json_decref(after);
		if (rc || (rc = store_commit(st, e)))
			core_tx_fail(st, rc);
	}
	free(enc);
	return rc;
}

int account_save_refreshed(struct store *st, int64_t ws, int64_t channel, json_t *sealed, const char *owner,
			   struct err *e)
{
	char *enc = seal_json(channel, sealed);
	struct store_val v[] = {SV_S(enc), SV_I(time_now_ms()), SV_I(ws), SV_I(channel), SV_S(owner)};
	int rc = store_exec(st, Q_ACCOUNT_REFRESH_SAVE, v, NARGS(v), NULL, NULL, e);
	free(enc);
	if (!rc && store_changes(st) != 1)
		rc = err_set(e, ERR_CONFLICT, "oauth.refresh_claim_lost", "",
			     "another worker took over the token refresh; the new tokens were not saved");
	return rc;
}

struct acct_row {
	struct store *st;
	char *secrets, *state;
	int found;
};

static int acct_row(void *ctx, struct store_row *r)
{
	struct acct_row *c = ctx;
	c->found = 1;
	c->secrets = xstrdup(store_text(c->st, r, 0));
	const char *s = store_text(c->st, r, 1);
	c->state = s ? xstrdup(s) : NULL;
	return 1;
}

static json_t *open_json(int64_t channel, const char *sealed)
{
	char ad[40];
	ad_of(channel, ad, sizeof ad);
	size_t n = 0;
	char *plain = crypto_open(ACCOUNT_PURPOSE, ad, sealed, &n);
	if (!plain)
		return NULL;
	json_t *v = json_loadb(plain, n, 0, NULL);
	crypto_free_secret(plain);
	return v;
}

int account_load(struct store *st, int64_t ws, int64_t channel, json_t **secrets, json_t **state, struct err *e)
{
	struct acct_row c = {st, NULL, NULL, 0};
	struct store_val v[] = {SV_I(ws), SV_I(channel)};
	int rc = store_exec(st, Q_ACCOUNT_GET, v, NARGS(v), acct_row, &c, e);
	*secrets = NULL;
	*state = NULL;
	if (rc < 0)
		return rc;
	if (!c.found)
		return err_set(e, ERR_CONFLICT, "account.not_connected", "", "the channel has no connected account");
	*secrets = open_json(channel, c.secrets);
	if (c.state)
		*state = open_json(channel, c.state);
	free(c.secrets);
	free(c.state);
	if (!*secrets)
		return err_set(e, ERR_INTERNAL, "account.unreadable", "",
			       "the account was sealed under another secret key: connect it again");
	return 0;
}

int account_save_state(struct store *st, int64_t ws, int64_t channel, json_t *state, struct err *e)
{
	char *enc = state ? seal_json(channel, state) : NULL;
	struct store_val v[] = {SV_S(enc), SV_I(time_now_ms()), SV_I(ws), SV_I(channel)};
	int rc = store_exec(st, Q_ACCOUNT_SET_STATE, v, NARGS(v), NULL, NULL, e);
	free(enc);
	return rc;
}

int account_needs_reconnect(struct store *st, int64_t ws, int64_t channel, struct err *e)
{
	struct store_val v[] = {SV_S("needs_reconnect"), SV_I(time_now_ms()), SV_I(ws), SV_I(channel)};
	return store_exec(st, Q_ACCOUNT_SET_STATUS, v, NARGS(v), NULL, NULL, e);
}

/* ---- key rotation ------------------------------------------------------ */

static int collect_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	const char *sec = store_text(st, r, 1), *state = store_text(st, r, 2);
	json_array_append_new(c[1], json_pack("{sI ss ss?}", "channel", (json_int_t)store_int(st, r, 0), "secrets",
					      sec ? sec : "", "state", state));
	return 0;
}

static int collect(struct store *st, json_t **rows, struct err *e)
{
	*rows = json_array();
	void *c[] = {st, *rows};
	int rc = store_exec(st, Q_ACCOUNT_SEALED_ALL, NULL, 0, collect_row, c, e);
	if (rc < 0) {
		json_decref(*rows);
		*rows = NULL;
		return rc;
	}
	return 0;
}

static void count_one(json_t *counts, const char *sealed)
{
	if (!sealed)
		return;
	const char *dot = strchr(sealed, '.');
	char kid[32];
	size_t n = dot ? (size_t)(dot - sealed) : 0;
	if (!n || n >= sizeof kid)
		str_copy(kid, "unknown", sizeof kid);
	else {
		memcpy(kid, sealed, n);
		kid[n] = '\0';
	}
	json_object_set_new(counts, kid, json_integer(json_integer_value(json_object_get(counts, kid)) + 1));
}

int account_key_counts(struct store *st, json_t **counts, struct err *e)
{
	json_t *rows;
	*counts = NULL;
	int rc = collect(st, &rows, e);
	if (rc)
		return rc;
	*counts = json_object();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		count_one(*counts, json_string_value(json_object_get(row, "secrets")));
		count_one(*counts, json_string_value(json_object_get(row, "state")));
	}
	json_decref(rows);
	return 0;
}

/* The value re-sealed under the current key (caller frees), or NULL when it
 * does not open. *same = 1 when it was already under the current key. */
static char *reseal_one(int64_t channel, const char *sealed, const char *kid, int *same)
{
	size_t kl = strlen(kid);
	*same = strncmp(sealed, kid, kl) == 0 && sealed[kl] == '.';
	if (*same)
		return xstrdup(sealed);
	json_t *v = open_json(channel, sealed);
	if (!v)
		return NULL;
	char *out = seal_json(channel, v);
	json_decref(v);
	return out;
}

static long fail_after(void)
{
#ifdef KANAL_TEST_HOOKS
	const char *v = getenv("KANAL_TEST_RESEAL_FAIL_AFTER");
	if (v && *v)
		return strtol(v, NULL, 10);
#endif
	return -1;
}

int account_reseal_all(struct store *st, long *resealed, struct err *e)
{
	char kid[10];
	crypto_key_id(ACCOUNT_PURPOSE, kid);
	*resealed = 0;
	long limit = fail_after(), done = 0;
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	json_t *rows = NULL;
	if ((rc = collect(st, &rows, e)))
		return core_tx_fail(st, rc);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		int64_t channel = json_integer_value(json_object_get(row, "channel"));
		const char *sec = json_string_value(json_object_get(row, "secrets"));
		const char *state = json_string_value(json_object_get(row, "state"));
		int same1 = 0, same2 = 1;
		char *nsec = reseal_one(channel, sec, kid, &same1);
		char *nstate = state ? reseal_one(channel, state, kid, &same2) : NULL;
		if (!nsec || (state && !nstate)) {
			free(nsec);
			free(nstate);
			rc = err_set(e, ERR_INTERNAL, "account.unreadable", "",
				     "channel %lld: its account was sealed under a key that is not available (%.9s)",
				     (long long)channel, !nsec ? sec : state);
			break;
		}
		if (!same1 || !same2) {
			struct store_val v[] = {SV_S(nsec), SV_S(nstate), SV_I(channel)};
			rc = store_exec(st, Q_ACCOUNT_RESEAL, v, NARGS(v), NULL, NULL, e);
			*resealed += !same1 + !same2;
			done++;
		}
		free(nsec);
		free(nstate);
		if (rc)
			break;
		if (limit >= 0 && done >= limit) {
			rc = err_set(e, ERR_INTERNAL, "account.reseal_test_failure", "",
				     "stopped on purpose after %ld account(s) (KANAL_TEST_RESEAL_FAIL_AFTER)", done);
			break;
		}
	}
	json_decref(rows);
	long oauth_n = 0;
	if (!rc && !(rc = oauth_reseal_all(st, &oauth_n, e)))
		*resealed += oauth_n;
	if (!rc)
		rc = store_commit(st, e);
	if (rc) {
		*resealed = 0;
		return core_tx_fail(st, rc);
	}
	return 0;
}
