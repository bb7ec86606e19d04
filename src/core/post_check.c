/* post_check: what each network will see of a post — the effective text of
 * every variant (its override, else the master), the count the network
 * applies, every problem with its range — so that the composer can
 * underline it and scheduling can refuse it — and, when the master does not
 * fit, a suggestion: the master declined for that network. */
#include <string.h>

#include "core/content.h"
#include "text/adapt.h"
#include "text/text.h"

static size_t utf16_units(const char *s, size_t n)
{
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80)
			u += c >= 0xF0 ? 2 : 1;
	}
	return u;
}

static void limits_of(json_t *chan, struct net_limits *l)
{
	json_t *lim = json_object_get(chan, "limits");
	memset(l, 0, sizeof *l);
	l->max_chars = (long)json_integer_value(json_object_get(lim, "max_chars"));
	l->url_weight = (long)json_integer_value(json_object_get(lim, "url_weight"));
	l->max_hashtags = (long)json_integer_value(json_object_get(lim, "max_hashtags"));
	l->max_mentions = (long)json_integer_value(json_object_get(lim, "max_mentions"));
	l->max_links = (long)json_integer_value(json_object_get(lim, "max_links"));
	l->max_bytes = (long)json_integer_value(json_object_get(lim, "max_bytes"));
}

/* Count one text and append its problems (tagged with the thread part). */
static json_t *check_text(enum network net, const char *s, const struct net_limits *l, int part, json_t *problems)
{
	size_t len = strlen(s);
	struct text_count c;
	json_t *count = json_null();
	if (text_count(net, s, len, l, &c) == 0) {
		count = json_pack("{sI sI sb sI sI}", "length", (json_int_t)c.length, "limit", (json_int_t)c.limit, "valid",
				  c.valid, "bytes", (json_int_t)c.bytes, "graphemes", (json_int_t)c.graphemes);
		text_count_free(&c);
	}
	struct text_problem p[16];
	size_t total = 0, n = text_validate(net, s, len, l, p, 16, &total);
	for (size_t i = 0; i < n; i++) {
		size_t bs = p[i].byte_start <= len ? p[i].byte_start : len;
		size_t be = p[i].byte_end <= len ? p[i].byte_end : len;
		json_t *o = json_pack("{ss sI sI sI sI sI sI}", "code", p[i].code, "byte_start", (json_int_t)bs, "byte_end",
				      (json_int_t)be, "start", (json_int_t)utf16_units(s, bs), "end",
				      (json_int_t)utf16_units(s, be), "value", (json_int_t)p[i].value, "limit",
				      (json_int_t)p[i].limit);
		if (part >= 0)
			json_object_set_new(o, "part", json_integer(part));
		json_array_append_new(problems, o);
	}
	return count;
}

void post_check_variants(json_t *post)
{
	const char *master = json_string_value(json_object_get(post, "master_text"));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(post, "variants"), i, v)
	{
		json_t *chan = json_object_get(v, "channel");
		int net = net_parse(json_string_value(json_object_get(chan, "network")));
		json_t *override = json_object_get(v, "text");
		const char *text = json_is_string(override) ? json_string_value(override) : master ? master : "";
		json_t *problems = json_array();
		json_object_set_new(v, "effective_text", json_string(text));
		if (net < 0) {
			/* webhook and manual channels take any text */
			json_object_set_new(v, "count", json_null());
			json_object_set_new(v, "problems", problems);
			json_object_set_new(v, "suggestion", json_null());
			continue;
		}
		struct net_limits l;
		limits_of(chan, &l);
		json_t *thread = json_object_get(v, "thread");
		json_t *adapted = NULL;
		/* An explicit thread replaces the text: each part is one post. */
		if (!json_is_array(thread) || json_array_size(thread) == 0) {
			json_object_set_new(v, "count", check_text((enum network)net, text, &l, -1, problems));
		} else {
			json_t *counts = json_array();
			size_t k;
			json_t *part;
			for (k = 0; k < json_array_size(thread); k++) {
				part = json_array_get(thread, k);
				json_array_append_new(counts, check_text((enum network)net, json_string_value(part), &l,
									 (int)k, problems));
			}
			json_object_set(v, "count", json_array_get(counts, 0));
			json_object_set_new(v, "thread_counts", counts);
		}
		/* The master as it is does not fit: propose it declined for the
		 * network (hashtags over the cap dropped, a thread, or a trim). The
		 * person applies it with one action; kanal never rewrites their
		 * words silently. */
		if (!json_is_string(override) && !json_is_array(thread) && json_array_size(problems)) {
			adapted = adapt_text((enum network)net, text, &l);
			json_object_set(v, "suggestion", adapted);
		} else {
			json_object_set_new(v, "suggestion", json_null());
		}
		json_object_set_new(v, "problems", problems);
		json_decref(adapted);
	}
}
