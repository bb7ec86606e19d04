/* driver: one call of kanal's Bluesky connector, for the peer tests
 * (tests/peers/bsky/bluesky.test.mjs). Reads one JSON command on stdin:
 *
 *   {"op": "publish" | "find" | "remove" | "refresh" | "rkey",
 *    "account": {"base_url", "handle", "secrets": {...}, "state": {...}},
 *    "post": {"text", "thread", "link", "first_comment", "media", "lang",
 *             "idempotency_key", "created_at_ms"},
 *    "remote_id": "at://..."}
 *
 * and prints one JSON line: {"ret", "outcome", "remote_id", "remote_url",
 * "http_status", "retry_after_ms", "code", "message", "state",
 * "state_changed"} (for "rkey": {"rkeys": [part 0, 1, .., n, comment]}).
 * Built against build/asan/libkanal.a. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "net/bluesky.h"
#include "net/http_client.h"

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *outcome_name(int o)
{
	static const char *const names[] = {"ok", "retry", "fail", "unknown", "auth"};
	return o >= 0 && o < 5 ? names[o] : "?";
}

int main(void)
{
	json_error_t je;
	json_t *cmd = json_loadf(stdin, 0, &je);
	if (!json_is_object(cmd)) {
		fprintf(stderr, "driver: bad command: %s\n", je.text);
		return 2;
	}
	if (crypto_init() != 0 || http_client_init() != 0) {
		fprintf(stderr, "driver: init failed\n");
		return 2;
	}
	const char *op = str(cmd, "op");
	json_t *acc = json_object_get(cmd, "account"), *post = json_object_get(cmd, "post");
	json_t *state = json_object_get(acc, "state");
	struct net_account a = {
	    .network = "bluesky",
	    .base_url = str(acc, "base_url"),
	    .handle = str(acc, "handle"),
	    .secrets = json_object_get(acc, "secrets"),
	    .state = json_is_object(state) ? json_deep_copy(state) : NULL,
	};
	json_t *ca = json_object_get(post, "created_at_ms");
	struct net_post p = {
	    .text = str(post, "text"),
	    .thread = json_object_get(post, "thread"),
	    .link = str(post, "link"),
	    .first_comment = str(post, "first_comment"),
	    .media = json_object_get(post, "media"),
	    .lang = str(post, "lang"),
	    .idempotency_key = str(post, "idempotency_key"),
	    .created_at_ms = json_is_integer(ca) ? json_integer_value(ca) : 0,
	};
	struct net_result r;
	memset(&r, 0, sizeof r);
	int ret;
	json_t *out;
	if (op && strcmp(op, "rkey") == 0) {
		json_t *keys = json_array();
		char k[14];
		size_t n = json_array_size(p.thread) + 1;
		for (size_t i = 0; i < n; i++) {
			bluesky_rkey(p.idempotency_key, (int)i, k);
			json_array_append_new(keys, json_string(k));
		}
		bluesky_rkey(p.idempotency_key, -1, k);
		json_array_append_new(keys, json_string(k));
		out = json_pack("{s:o}", "rkeys", keys);
	} else {
		if (op && strcmp(op, "publish") == 0)
			ret = conn_bluesky.publish(&a, &p, &r);
		else if (op && strcmp(op, "find") == 0)
			ret = conn_bluesky.find_published(&a, &p, &r);
		else if (op && strcmp(op, "remove") == 0)
			ret = conn_bluesky.remove(&a, str(cmd, "remote_id"), &r);
		else if (op && strcmp(op, "refresh") == 0)
			ret = conn_bluesky.refresh(&a, &r);
		else {
			fprintf(stderr, "driver: unknown op\n");
			return 2;
		}
		out = json_pack("{s:i, s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:O?, s:b}", "ret", ret, "outcome",
				outcome_name(r.outcome), "remote_id", r.remote_id, "remote_url", r.remote_url,
				"http_status", r.http_status, "retry_after_ms", (json_int_t)r.retry_after_ms, "code",
				r.code, "message", r.message, "state", a.state, "state_changed", a.state_changed);
	}
	char *s = json_dumps(out, JSON_COMPACT);
	puts(s);
	free(s);
	json_decref(out);
	json_decref(a.state);
	json_decref(cmd);
	http_client_cleanup();
	return 0;
}
