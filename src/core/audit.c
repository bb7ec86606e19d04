/* audit: who changed what, when, with before/after summaries. Entries are
 * written in the same transaction as the change they describe. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "core/core.h"

int audit_record(struct store *st, const struct actor *a, int64_t ws, const char *action, const char *target,
		 json_t *before, json_t *after, struct err *e)
{
	char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *f = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct store_val v[] = {
		SV_ID(ws), SV_ID(a->user_id), SV_ID(a->token_id), SV_S(a->label[0] ? a->label : "unknown"),
		SV_S(action), SV_S(target), SV_S(b), SV_S(f),
		SV_S(a->request_id && a->request_id[0] ? a->request_id : NULL), SV_I(time_now_ms()),
	};
	int rc = store_exec(st, Q_AUDIT_INSERT, v, NARGS(v), NULL, NULL, e);
	free(b);
	free(f);
	return rc;
}

struct audit_ctx {
	struct store *st;
	json_t *arr;
};

static json_t *parse_or_null(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_loads(s, 0, NULL);
	return v ? v : json_string(s);
}

static int audit_row(void *ctx, struct store_row *r)
{
	struct audit_ctx *c = ctx;
	struct store *st = c->st;
	json_t *actor = json_pack("{ss}", "label", store_text(st, r, 3));
	json_object_set_new(actor, "user_id", store_is_null(st, r, 1) ? json_null() : json_integer(store_int(st, r, 1)));
	json_object_set_new(actor, "token_id", store_is_null(st, r, 2) ? json_null() : json_integer(store_int(st, r, 2)));
	const char *req = store_text(st, r, 8);
	json_array_append_new(c->arr, json_pack("{sI so ss ss so so so so}", "id", (json_int_t)store_int(st, r, 0),
						"actor", actor, "action", store_text(st, r, 4), "target",
						store_text(st, r, 5), "before", parse_or_null(store_text(st, r, 6)),
						"after", parse_or_null(store_text(st, r, 7)), "request_id",
						req ? json_string(req) : json_null(), "created_at",
						json_time(store_int(st, r, 9))));
	return 0;
}

int audit_list(struct store *st, int64_t ws, int64_t before_id, int limit, json_t **out, struct err *e)
{
	struct audit_ctx c = {st, json_array()};
	struct store_val v[] = {SV_I(ws), SV_I(before_id > 0 ? before_id : INT64_MAX), SV_I(limit)};
	int rc = store_exec(st, Q_AUDIT_LIST, v, NARGS(v), audit_row, &c, e);
	if (rc < 0) {
		json_decref(c.arr);
		return rc;
	}
	*out = c.arr;
	return 0;
}
