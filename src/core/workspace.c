/* workspace: one per brand or client, with its time zone, default language
 * and currency. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "core/core.h"

/* Active ISO 4217 codes. */
static const char currencies[] =
	"AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD "
	"CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD "
	"GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT "
	"LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR "
	"NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP "
	"STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF "
	"XPF YER ZAR ZMW ZWL";

int currency_valid(const char *code)
{
	if (strlen(code) != 3)
		return 0;
	for (int i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return 0;
	return strstr(currencies, code) != NULL;
}

static int validate(const char *name, const char *tz, const char *lang, const char *cur, struct err *e)
{
	if (name) {
		size_t n = 0;
		for (const char *p = name; *p; p++) {
			if ((unsigned char)*p < 0x20)
				return err_set(e, ERR_INVALID, "workspace.name", "$.name", "the name contains control characters");
			if (((unsigned char)*p & 0xC0) != 0x80)
				n++;
		}
		if (n < 1 || n > WS_NAME_MAX)
			return err_set(e, ERR_INVALID, "workspace.name", "$.name", "the name must be 1 to %d characters",
				       WS_NAME_MAX);
	}
	if (tz && !time_zone_valid(tz))
		return err_set(e, ERR_INVALID, "workspace.timezone", "$.timezone", "unknown IANA time zone");
	if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "sq") != 0)
		return err_set(e, ERR_INVALID, "workspace.language", "$.language", "the language must be \"en\" or \"sq\"");
	if (cur && !currency_valid(cur))
		return err_set(e, ERR_INVALID, "workspace.currency", "$.currency", "not an ISO 4217 currency code");
	return 0;
}

/* "Furra e Lagjes" -> "furra-e-lagjes"; Albanian letters folded. */
static void slugify(const char *name, char *out, size_t size)
{
	size_t o = 0;
	int dash = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p && o + 2 < size; p++) {
		char c = 0;
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			c = (char)*p;
		else if (*p >= 'A' && *p <= 'Z')
			c = (char)(*p + 32);
		else if (p[0] == 0xC3 && (p[1] == 0xAB || p[1] == 0x8B)) /* ë Ë */
			c = 'e', p++;
		else if (p[0] == 0xC3 && (p[1] == 0xA7 || p[1] == 0x87)) /* ç Ç */
			c = 'c', p++;
		if (c) {
			if (dash && o)
				out[o++] = '-';
			out[o++] = c;
			dash = 0;
		} else {
			dash = 1;
		}
	}
	if (!o)
		out[o++] = 'w';
	out[o] = '\0';
}

static void fill_ws(struct store *st, struct store_row *r, struct workspace *w, int with_role)
{
	memset(w, 0, sizeof *w);
	w->id = store_int(st, r, 0);
	str_copy(w->name, store_text(st, r, 1), sizeof w->name);
	str_copy(w->slug, store_text(st, r, 2), sizeof w->slug);
	str_copy(w->timezone, store_text(st, r, 3), sizeof w->timezone);
	str_copy(w->language, store_text(st, r, 4), sizeof w->language);
	str_copy(w->currency, store_text(st, r, 5), sizeof w->currency);
	w->created_at = store_int(st, r, 6);
	w->role = with_role ? role_parse(store_text(st, r, 7)) : ROLE_NONE;
}

struct ws_vec {
	struct store *st;
	struct workspace *v;
	size_t n, cap;
	int with_role;
};

static int ws_row(void *ctx, struct store_row *r)
{
	struct ws_vec *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	fill_ws(c->st, r, &c->v[c->n++], c->with_role);
	return 0;
}

static int get_one(struct store *st, enum store_q q, struct store_val v, struct workspace *out, struct err *e)
{
	struct ws_vec c = {st, NULL, 0, 0, 0};
	int rc = store_exec(st, q, &v, 1, ws_row, &c, e);
	if (rc >= 0 && c.n == 0)
		rc = err_set(e, ERR_NOTFOUND, "workspace.not_found", "", "no such workspace");
	if (rc >= 0 && out)
		*out = c.v[0];
	free(c.v);
	return rc < 0 ? rc : 0;
}

int workspace_get(struct store *st, int64_t id, struct workspace *out, struct err *e)
{
	return get_one(st, Q_WS_BY_ID, SV_I(id), out, e);
}

int workspace_find(struct store *st, const char *ref, struct workspace *out, struct err *e)
{
	long long id;
	if (str_to_i64(ref, &id) == 0)
		return workspace_get(st, id, out, e);
	return get_one(st, Q_WS_BY_SLUG, SV_S(ref), out, e);
}

int workspace_list(struct store *st, int64_t user_id, struct workspace **out, size_t *n, struct err *e)
{
	struct ws_vec c = {st, NULL, 0, 0, user_id > 0};
	struct store_val v = SV_I(user_id);
	int rc = user_id > 0 ? store_exec(st, Q_WS_LIST_FOR_USER, &v, 1, ws_row, &c, e)
			     : store_exec(st, Q_WS_LIST, NULL, 0, ws_row, &c, e);
	if (rc < 0) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

json_t *workspace_json(const struct workspace *w, int with_role)
{
	json_t *o = json_pack("{sI ss ss ss ss ss so}", "id", (json_int_t)w->id, "name", w->name, "slug", w->slug,
			      "timezone", w->timezone, "language", w->language, "currency", w->currency, "created_at",
			      json_time(w->created_at));
	if (with_role)
		json_object_set_new(o, "role", json_string(role_name(w->role)));
	return o;
}

static json_t *summary(const struct workspace *w)
{
	return json_pack("{ss ss ss ss}", "name", w->name, "timezone", w->timezone, "language", w->language,
			 "currency", w->currency);
}

int workspace_create(struct store *st, const struct actor *a, const char *name, const char *timezone,
		     const char *language, const char *currency, int64_t owner_id, struct workspace *out,
		     struct err *e)
{
	int rc = validate(name, timezone, language, currency, e);
	if (rc)
		return rc;
	char base[64], slug[80];
	slugify(name, base, sizeof base);
	if ((rc = store_begin(st, e)))
		return rc;
	int64_t now = time_now_ms(), id = 0;
	for (int i = 1; i < 1000; i++) {
		if (i == 1)
			str_copy(slug, base, sizeof slug);
		else
			snprintf(slug, sizeof slug, "%s-%d", base, i);
		struct store_val v[] = {SV_S(name), SV_S(slug), SV_S(timezone), SV_S(language), SV_S(currency), SV_I(now)};
		rc = store_one_int(st, Q_WS_INSERT, v, NARGS(v), &id, e);
		if (rc != ERR_CONFLICT)
			break;
	}
	if (rc)
		return core_tx_fail(st, rc);
	if (owner_id > 0) {
		struct store_val m[] = {SV_I(id), SV_I(owner_id), SV_S("owner"), SV_I(now)};
		if ((rc = store_exec(st, Q_MEMBER_INSERT, m, NARGS(m), NULL, NULL, e)))
			return core_tx_fail(st, rc == ERR_CONFLICT ? err_set(e, ERR_NOTFOUND, "user.not_found", "$.owner",
									     "no such user")
								     : rc);
	}
	struct workspace w = {.id = id, .created_at = now, .role = owner_id > 0 ? ROLE_OWNER : ROLE_NONE};
	str_copy(w.name, name, sizeof w.name);
	str_copy(w.slug, slug, sizeof w.slug);
	str_copy(w.timezone, timezone, sizeof w.timezone);
	str_copy(w.language, language, sizeof w.language);
	str_copy(w.currency, currency, sizeof w.currency);
	json_t *after = summary(&w);
	char target[32];
	snprintf(target, sizeof target, "workspace:%lld", (long long)id);
	rc = audit_record(st, a, id, "workspace.create", target, NULL, after, e);
	json_decref(after);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	if (out)
		*out = w;
	return 0;
}

int workspace_update(struct store *st, const struct actor *a, int64_t id, const char *name, const char *timezone,
		     const char *language, const char *currency, struct workspace *out, struct err *e)
{
	struct workspace w;
	int rc = validate(name, timezone, language, currency, e);
	if (rc || (rc = store_begin(st, e)))
		return rc;
	if ((rc = workspace_get(st, id, &w, e)))
		return core_tx_fail(st, rc);
	json_t *before = summary(&w);
	if (name)
		str_copy(w.name, name, sizeof w.name);
	if (timezone)
		str_copy(w.timezone, timezone, sizeof w.timezone);
	if (language)
		str_copy(w.language, language, sizeof w.language);
	if (currency)
		str_copy(w.currency, currency, sizeof w.currency);
	json_t *after = summary(&w);
	struct store_val v[] = {SV_S(w.name), SV_S(w.timezone), SV_S(w.language), SV_S(w.currency),
				SV_I(time_now_ms()), SV_I(id)};
	char target[32];
	snprintf(target, sizeof target, "workspace:%lld", (long long)id);
	rc = store_exec(st, Q_WS_UPDATE, v, NARGS(v), NULL, NULL, e);
	if (!rc)
		rc = audit_record(st, a, id, "workspace.update", target, before, after, e);
	json_decref(before);
	json_decref(after);
	if (rc || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	if (out)
		*out = w;
	return 0;
}
