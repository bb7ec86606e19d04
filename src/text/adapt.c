/* adapt: decline a master text for one network — drop hashtags past the
 * network's cap, split a long text into a numbered thread where the network
 * has threads, or trim it at a sentence or word boundary (never inside a
 * grapheme) where it has not; and LinkedIn's escaping for publishing. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "text/adapt.h"
#include "text/internal.h"

char *(*adapt_link_hook)(const char *url, enum network net, void *ctx);
void *adapt_link_ctx;

/* Replace every URL the network detects by the hook's answer. */
static char *replace_links(enum network net, const char *s, size_t len, const struct net_limits *lim)
{
	struct text_count c;
	if (!adapt_link_hook || text_count(net, s, len, lim, &c))
		return xstrndup(s, len);
	struct buf out = BUF_INIT(0);
	size_t at = 0;
	for (size_t i = 0; i < c.nentities; i++) {
		if (c.entities[i].type != ENT_URL)
			continue;
		char *url = xstrndup(s + c.entities[i].byte_start, c.entities[i].byte_end - c.entities[i].byte_start);
		char *rep = adapt_link_hook(url, net, adapt_link_ctx);
		if (rep) {
			buf_add(&out, s + at, c.entities[i].byte_start - at);
			buf_adds(&out, rep);
			at = c.entities[i].byte_end;
			free(rep);
		}
		free(url);
	}
	buf_add(&out, s + at, len - at);
	text_count_free(&c);
	return buf_steal(&out);
}

/* Networks where a long text becomes a thread of replies. */
static int has_threads(enum network n)
{
	return n == NET_X || n == NET_MASTODON || n == NET_BLUESKY || n == NET_THREADS;
}

static int fits(enum network net, const char *s, size_t len, const struct net_limits *lim)
{
	struct text_count c;
	if (text_count(net, s, len, lim, &c))
		return 0;
	int ok = c.length <= c.limit && (!lim || !lim->max_bytes || (long)len <= lim->max_bytes);
	if (net == NET_BLUESKY && len > 3000)
		ok = 0;
	text_count_free(&c);
	return ok;
}

/* The grapheme boundaries of s, as byte offsets (caller frees); *n of them,
 * the last being len. */
static size_t *boundaries(const char *s, size_t len, size_t *n)
{
	size_t g = text_graphemes(s, len), k = 0;
	size_t *b = xmalloc((g + 1) * sizeof *b);
	for (size_t i = 1; i <= g; i++)
		b[k++] = text_grapheme_end(s, len, i);
	if (!k || b[k - 1] != len)
		b[k++] = len;
	*n = k;
	return b;
}

static int is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* The longest prefix of s (ending at a grapheme boundary, preferring a
 * sentence end, then a word end) such that prefix + suffix fits. Returns its
 * byte length (0 when nothing fits). */
static size_t best_cut(enum network net, const char *s, size_t len, const char *suffix, const struct net_limits *lim)
{
	size_t nb, lo = 0, hi, found = 0;
	size_t *b = boundaries(s, len, &nb);
	struct buf t = BUF_INIT(0);
	hi = nb;
	/* binary search over boundaries for the largest fitting prefix */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		buf_reset(&t);
		buf_add(&t, s, b[mid]);
		buf_adds(&t, suffix);
		if (fits(net, buf_cstr(&t), t.len, lim)) {
			found = b[mid];
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	buf_free(&t);
	free(b);
	if (!found)
		return 0;
	/* back off to a sentence end, else a word end, if one is not too far */
	size_t sentence = 0, word = 0;
	for (size_t i = found; i > 0; i--) {
		char c = s[i - 1];
		if (!sentence && (c == '.' || c == '!' || c == '?' || c == '\n') && (i == len || is_space(s[i])))
			sentence = i;
		if (!word && i < len && is_space(s[i]) && !is_space(c))
			word = i;
		if (sentence)
			break;
	}
	if (found == len)
		return len;
	if (sentence && sentence * 2 >= found)
		return sentence;
	if (word && word * 3 >= found * 2)
		return word;
	return found;
}

static size_t skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && is_space(s[i]))
		i++;
	return i;
}

static size_t trim_end(const char *s, size_t n)
{
	while (n && is_space(s[n - 1]))
		n--;
	return n;
}

/* Drop hashtags past the cap (the last ones go first). */
static char *drop_hashtags(enum network net, const char *s, size_t len, const struct net_limits *lim, int *dropped)
{
	*dropped = 0;
	struct text_count c;
	if (!lim || !lim->max_hashtags || text_count(net, s, len, lim, &c))
		return xstrndup(s, len);
	long tags = 0;
	for (size_t i = 0; i < c.nentities; i++)
		if (c.entities[i].type == ENT_HASHTAG)
			tags++;
	struct buf out = BUF_INIT(0);
	size_t at = 0;
	long seen = 0;
	for (size_t i = 0; i < c.nentities; i++) {
		if (c.entities[i].type != ENT_HASHTAG || ++seen <= lim->max_hashtags)
			continue;
		size_t bs = c.entities[i].byte_start, be = c.entities[i].byte_end;
		/* take one separating space with it */
		if (bs > at && s[bs - 1] == ' ')
			bs--;
		buf_add(&out, s + at, bs - at);
		at = be;
		(*dropped)++;
	}
	buf_add(&out, s + at, len - at);
	text_count_free(&c);
	(void)tags;
	return buf_steal(&out);
}

json_t *adapt_text(enum network net, const char *master, const struct net_limits *given)
{
	struct net_limits l;
	text_fill_limits(net, given, &l);
	const struct net_limits *lim = &l;
	json_t *notes = json_array();
	int dropped = 0;
	char *linked = replace_links(net, master, strlen(master), lim);
	char *s = drop_hashtags(net, linked, strlen(linked), lim, &dropped);
	free(linked);
	size_t len = trim_end(s, strlen(s));
	s[len] = '\0';
	if (dropped)
		json_array_append_new(notes, json_pack("{ss si}", "code", "adapt.hashtags_dropped", "count", dropped));
	json_t *out = json_object();
	if (fits(net, s, len, lim) || len == 0) {
		json_object_set_new(out, "text", json_string(s));
		json_object_set_new(out, "thread", json_null());
	} else if (has_threads(net)) {
		/* Split greedily; number the parts "1/N". N is not known up front:
		 * try with a guess until the count is stable. */
		json_t *parts = NULL;
		for (int guess = 2; guess < 100; guess++) {
			json_decref(parts);
			parts = json_array();
			size_t at = 0;
			int k = 0, ok = 1;
			while (at < len) {
				char suffix[24];
				snprintf(suffix, sizeof suffix, " %d/%d", k + 1, guess);
				size_t cut = best_cut(net, s + at, len - at, suffix, lim);
				if (!cut) {
					ok = 0;
					break;
				}
				size_t keep = trim_end(s + at, cut);
				struct buf part = BUF_INIT(0);
				buf_add(&part, s + at, keep);
				buf_adds(&part, suffix);
				json_array_append_new(parts, json_string(buf_cstr(&part)));
				buf_free(&part);
				at = skip_space(s, at + cut, len);
				if (++k > guess) {
					ok = 0;
					break;
				}
			}
			if (ok && k == guess)
				break;
			if (ok && k < guess) {
				/* fewer parts than guessed: renumber with the real count */
				guess = k - 1;
				continue;
			}
		}
		json_object_set_new(out, "text", json_string(json_string_value(json_array_get(parts, 0))));
		json_object_set_new(out, "thread", parts);
		json_array_append_new(notes, json_pack("{ss sI}", "code", "adapt.thread", "count",
						       (json_int_t)json_array_size(parts)));
	} else {
		size_t cut = best_cut(net, s, len, "…", lim);
		struct buf t = BUF_INIT(0);
		buf_add(&t, s, trim_end(s, cut));
		buf_adds(&t, "…");
		json_object_set_new(out, "text", json_string(buf_cstr(&t)));
		json_object_set_new(out, "thread", json_null());
		buf_free(&t);
		json_array_append_new(notes, json_pack("{ss}", "code", "adapt.trimmed"));
	}
	json_object_set_new(out, "notes", notes);
	free(s);
	return out;
}

char *adapt_linkedin_escape(const char *s)
{
	static const char reserved[] = "\\|{}@[]()<>#*_~";
	struct buf out = BUF_INIT(0);
	for (const char *p = s; *p; p++) {
		if (strchr(reserved, *p))
			buf_add(&out, "\\", 1);
		buf_add(&out, p, 1);
	}
	return buf_steal(&out);
}
