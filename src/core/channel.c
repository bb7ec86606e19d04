/* channel: a workspace's account on one network — its display name, the
 * limits that differ per instance, posting slots and their time zone. Its
 * credentials live in core/account.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/time.h"
#include "core/content.h"
#include "text/text.h"

static const char *const networks[] = {"x",	 "mastodon", "bluesky",	 "threads", "instagram",
				       "linkedin", "facebook", "tiktok", "webhook", "manual"};
static const char *const limit_keys[] = {"max_chars", "url_weight", "max_hashtags", "max_mentions", "max_links",
					 "max_bytes", "max_media", "max_image_bytes"};

int channel_network_valid(const char *network)
{
	for (size_t i = 0; i < sizeof networks / sizeof networks[0]; i++)
		if (network && strcmp(network, networks[i]) == 0)
			return 1;
	return 0;
}

static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int check_limits(json_t *lim, struct err *e)
{
	if (!json_is_object(lim))
		return err_set(e, ERR_INVALID, "channel.limits", "$.limits", "limits must be an object");
	const char *k;
	json_t *v;
	json_object_foreach(lim, k, v)
	{
		int known = 0;
		for (size_t i = 0; i < sizeof limit_keys / sizeof limit_keys[0]; i++)
			if (strcmp(k, limit_keys[i]) == 0)
				known = 1;
		/* an image size is in bytes (Mastodon's default is 16 MB) */
		json_int_t max = strcmp(k, "max_image_bytes") == 0 ? (json_int_t)1 << 31 : 1000000;
		if (!known || !json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max) {
			char f[96];
			snprintf(f, sizeof f, "$.limits.%.60s", k);
			return err_set(e, ERR_INVALID, "channel.limits", f, "limits are known keys with integers 1 to 1000000");
		}
	}
	return 0;
}

/* Slots: [{"day": 1..7, "time": "HH:MM"}], sorted and without duplicates
 * on the way out. */
static int check_slots(json_t *slots, struct err *e)
{
	if (!json_is_array(slots) || json_array_size(slots) > CHANNEL_SLOTS_MAX)
		return err_set(e, ERR_INVALID, "channel.slots", "$.slots", "slots must be a list of at most %d",
			       CHANNEL_SLOTS_MAX);
	size_t i;
	json_t *s;
	json_array_foreach(slots, i, s)
	{
		char f[48];
		snprintf(f, sizeof f, "$.slots[%zu]", i);
		json_t *day = json_object_get(s, "day"), *t = json_object_get(s, "time");
		const char *ts = json_string_value(t);
		if (!json_is_object(s) || json_object_size(s) != 2 || !json_is_integer(day) ||
		    json_integer_value(day) < 1 || json_integer_value(day) > 7 || !ts || strlen(ts) != 5 ||
		    ts[2] != ':' || ts[0] < '0' || ts[0] > '2' || ts[1] < '0' || ts[1] > '9' || ts[3] < '0' ||
		    ts[3] > '5' || ts[4] < '0' || ts[4] > '9' || (ts[0] == '2' && ts[1] > '3'))
			return err_set(e, ERR_INVALID, "channel.slots", f,
				       "a slot is {\"day\": 1-7 (Monday = 1), \"time\": \"HH:MM\"}");
	}
	return 0;
}

static json_t *parse_json_col(const char *s, json_t *fallback)
{
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;
	if (v) {
		json_decref(fallback);
		return v;
	}
	return fallback;
}

static json_t *channel_row(struct store *st, struct store_row *r)
{
	json_t *o = json_pack("{sI ss ss ss so so ss so}", "id", (json_int_t)store_int(st, r, 0), "network",
			      store_text(st, r, 1), "name", store_text(st, r, 2), "handle", store_text(st, r, 3), "limits",
			      parse_json_col(store_text(st, r, 4), json_object()), "slots",
			      parse_json_col(store_text(st, r, 5), json_array()), "timezone", store_text(st, r, 6),
			      "created_at", json_time(store_int(st, r, 7)));
	/* The connected account as people may see it: never a secret. */
	if (store_is_null(st, r, 8))
		json_object_set_new(o, "account", json_null());
	else
		json_object_set_new(o, "account", json_pack("{ss ss so}", "summary", store_text(st, r, 8), "status",
							     store_text(st, r, 9), "connected_at",
							     json_time(store_int(st, r, 10))));
	/* Health: the account's state, the last publication that went out and
	 * the last one that failed (with its reason), so a person sees at a
	 * glance which channel needs them. */
	const char *state = store_is_null(st, r, 8)			     ? "not_connected"
			    : strcmp(store_text(st, r, 9), "connected") == 0 ? "connected"
									     : "needs_reconnect";
	if (strcmp(store_text(st, r, 1), "manual") == 0)
		state = "manual";
	json_t *h = json_pack("{ss so so}", "state", state, "last_published_at",
			      store_is_null(st, r, 11) ? json_null() : json_time(store_int(st, r, 11)), "last_error",
			      json_null());
	if (!store_is_null(st, r, 12))
		json_object_set_new(h, "last_error",
				    json_pack("{so ss ss}", "at", json_time(store_int(st, r, 12)), "message",
					      store_text(st, r, 13) ? store_text(st, r, 13) : "", "code",
					      store_text(st, r, 14) ? store_text(st, r, 14) : ""));
	json_object_set_new(o, "health", h);
	/* The network's own length limit, which `limits` overrides (the page
	 * shows it beside the override); {} for webhook and manual. */
	json_t *d = json_object();
	int net = net_parse(store_text(st, r, 1));
	struct text_count tc;
	if (net >= 0 && text_count((enum network)net, "", 0, NULL, &tc) == 0) {
		json_object_set_new(d, "max_chars", json_integer((json_int_t)tc.limit));
		text_count_free(&tc);
	}
	json_object_set_new(o, "network_limits", d);
	return o;
}

static int list_row(void *ctx, struct store_row *r)
{
	void **c = ctx;
	json_array_append_new(c[1], channel_row(c[0], r));
	return 0;
}

int channel_list(struct store *st, int64_t ws, json_t **out, struct err *e)
{
	json_t *arr = json_array();
	void *ctx[2] = {st, arr};
	struct store_val v = SV_I(ws);
	int rc = store_exec(st, Q_CHANNEL_LIST, &v, 1, list_row, ctx, e);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int channel_get(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e)
{
	json_t *arr = json_array();
	void *ctx[2] = {st, arr};
	struct store_val v[] = {SV_I(ws), SV_I(id)};
	int rc = store_exec(st, Q_CHANNEL_GET, v, NARGS(v), list_row, ctx, e);
	if (rc >= 0 && json_array_size(arr) == 0)
		rc = err_set(e, ERR_NOTFOUND, "channel.not_found", "", "no such channel");
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return 0;
}

/* Validate fields and merge them over base (an existing channel or {}). */
static int merge(json_t *base, json_t *fields, int creating, struct err *e)
{
	static const char *const keys[] = {"network", "name", "handle", "timezone", "limits", "slots", NULL};
	int rc;
	const char *network = NULL, *name = NULL, *handle = NULL, *tz = NULL;
	if ((rc = json_only_keys(fields, keys, e)) ||
	    (rc = json_get_str(fields, "network", creating, 1, 16, &network, e)) < 0 ||
	    (rc = json_get_str(fields, "name", creating, 1, 400, &name, e)) < 0 ||
	    (rc = json_get_str(fields, "handle", 0, 0, 400, &handle, e)) < 0 ||
	    (rc = json_get_str(fields, "timezone", 0, 1, 64, &tz, e)) < 0)
		return rc;
	if (network && !creating)
		return err_set(e, ERR_INVALID, "channel.network", "$.network", "a channel's network cannot change");
	if (network && !channel_network_valid(network))
		return err_set(e, ERR_INVALID, "channel.network", "$.network", "unknown network");
	if (name && chars(name) > 100)
		return err_set(e, ERR_INVALID, "channel.name", "$.name", "the name must be 1 to 100 characters");
	if (handle && chars(handle) > 100)
		return err_set(e, ERR_INVALID, "channel.handle", "$.handle", "the handle must be at most 100 characters");
	if (tz && !time_zone_valid(tz))
		return err_set(e, ERR_INVALID, "channel.timezone", "$.timezone", "unknown IANA time zone");
	json_t *lim = json_object_get(fields, "limits"), *slots = json_object_get(fields, "slots");
	if (lim && (rc = check_limits(lim, e)))
		return rc;
	if (slots && (rc = check_slots(slots, e)))
		return rc;
	if (network)
		json_object_set_new(base, "network", json_string(network));
	if (name)
		json_object_set_new(base, "name", json_string(name));
	if (handle)
		json_object_set_new(base, "handle", json_string(handle));
	if (tz)
		json_object_set_new(base, "timezone", json_string(tz));
	if (lim)
		json_object_set(base, "limits", lim);
	if (slots)
		json_object_set(base, "slots", slots);
	return 0;
}

static json_t *summary(json_t *c)
{
	return json_pack("{sO sO sO sO sO}", "name", json_object_get(c, "name"), "handle", json_object_get(c, "handle"),
			 "timezone", json_object_get(c, "timezone"), "limits", json_object_get(c, "limits"), "slots",
			 json_object_get(c, "slots"));
}

int channel_create(struct store *st, const struct actor *a, int64_t ws, json_t *fields, json_t **out, struct err *e)
{
	struct workspace w;
	int rc = workspace_get(st, ws, &w, e);
	if (rc)
		return rc;
	json_t *c = json_pack("{ss ss so so}", "handle", "", "timezone", w.timezone, "limits", json_object(), "slots",
			      json_array());
	if ((rc = merge(c, fields, 1, e))) {
		json_decref(c);
		return rc;
	}
	char *lim = json_dumps(json_object_get(c, "limits"), JSON_COMPACT | JSON_SORT_KEYS);
	char *slots = json_dumps(json_object_get(c, "slots"), JSON_COMPACT);
	int64_t now = time_now_ms(), id = 0;
	struct store_val v[] = {SV_I(ws), SV_S(json_string_value(json_object_get(c, "network"))),
				SV_S(json_string_value(json_object_get(c, "name"))),
				SV_S(json_string_value(json_object_get(c, "handle"))), SV_S(lim), SV_S(slots),
				SV_S(json_string_value(json_object_get(c, "timezone"))), SV_I(now)};
	if (!(rc = store_begin(st, e))) {
		rc = store_one_int(st, Q_CHANNEL_INSERT, v, NARGS(v), &id, e);
		char target[40];
		snprintf(target, sizeof target, "channel:%lld", (long long)id);
		json_t *after = summary(c);
		json_object_set(after, "network", json_object_get(c, "network"));
		if (!rc)
			rc = audit_record(st, a, ws, "channel.create", target, NULL, after, e);
		json_decref(after);
		if (rc || (rc = store_commit(st, e)))
			core_tx_fail(st, rc);
	}
	free(lim);
	free(slots);
	json_decref(c);
	if (rc)
		return rc;
	return channel_get(st, ws, id, out, e);
}

int channel_update(struct store *st, const struct actor *a, int64_t ws, int64_t id, json_t *fields, json_t **out,
		   struct err *e)
{
	json_t *c;
	int rc = channel_get(st, ws, id, &c, e);
	if (rc)
		return rc;
	json_t *before = summary(c);
	if ((rc = merge(c, fields, 0, e))) {
		json_decref(c);
		json_decref(before);
		return rc;
	}
	json_t *after = summary(c);
	char *lim = json_dumps(json_object_get(c, "limits"), JSON_COMPACT | JSON_SORT_KEYS);
	char *slots = json_dumps(json_object_get(c, "slots"), JSON_COMPACT);
	struct store_val v[] = {SV_S(json_string_value(json_object_get(c, "name"))),
				SV_S(json_string_value(json_object_get(c, "handle"))), SV_S(lim), SV_S(slots),
				SV_S(json_string_value(json_object_get(c, "timezone"))), SV_I(time_now_ms()), SV_I(ws),
				SV_I(id)};
	if (!(rc = store_begin(st, e))) {
		char target[40];
		snprintf(target, sizeof target, "channel:%lld", (long long)id);
		rc = store_exec(st, Q_CHANNEL_UPDATE, v, NARGS(v), NULL, NULL, e);
		if (!rc)
			rc = audit_record(st, a, ws, "channel.update", target, before, after, e);
		if (rc || (rc = store_commit(st, e)))
			core_tx_fail(st, rc);
	}
	free(lim);
	free(slots);
	json_decref(before);
	json_decref(after);
	json_decref(c);
	if (rc)
		return rc;
	return channel_get(st, ws, id, out, e);
}

int channel_delete(struct store *st, const struct actor *a, int64_t ws, int64_t id, struct err *e)
{
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct store_val v[] = {SV_I(time_now_ms()), SV_I(ws), SV_I(id)};
	if ((rc = store_exec(st, Q_CHANNEL_DELETE, v, NARGS(v), NULL, NULL, e)))
		return core_tx_fail(st, rc);
	if (store_changes(st) == 0)
		return core_tx_fail(st, err_set(e, ERR_NOTFOUND, "channel.not_found", "", "no such channel"));
	char target[40];
	snprintf(target, sizeof target, "channel:%lld", (long long)id);
	if ((rc = audit_record(st, a, ws, "channel.delete", target, NULL, NULL, e)) || (rc = store_commit(st, e)))
		return core_tx_fail(st, rc);
	return 0;
}
