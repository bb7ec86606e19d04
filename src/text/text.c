/* text: the network table, input checks, and the parts every counter
 * shares (UTF-8 decoding, graphemes, UTF-16 offsets, TLD look-up). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "base/json.h"
#include "text/internal.h"

static const char *const names[NET__COUNT] = {
	"x", "mastodon", "bluesky", "threads", "instagram", "linkedin", "facebook", "tiktok",
};

static const count_fn counters[NET__COUNT] = {
	count_x, count_mastodon, count_bluesky, count_threads,
	count_instagram, count_linkedin, count_facebook, count_tiktok,
};

/* One table of limits (../shared/NETWORKS.md); a change is one line. Columns:
 * max_chars, url_weight, max_hashtags, max_mentions, max_links, max_bytes. */
const struct net_limits text_default_limits[NET__COUNT] = {
	[NET_X] = {280, 23, 0, 0, 0, 0},
	[NET_MASTODON] = {500, 23, 0, 0, 0, 0},
	[NET_BLUESKY] = {300, 0, 0, 0, 0, 3000},
	[NET_THREADS] = {500, 0, 1, 0, 5, 0},
	[NET_INSTAGRAM] = {2200, 0, 5, 20, 0, 0},
	[NET_LINKEDIN] = {3000, 0, 0, 0, 0, 0},
	[NET_FACEBOOK] = {63206, 0, 0, 0, 0, 0},
	[NET_TIKTOK] = {2200, 0, 0, 0, 0, 0},
};

const char *net_name(enum network n)
{
	return n >= 0 && n < NET__COUNT ? names[n] : "?";
}

int net_parse(const char *s)
{
	for (int i = 0; i < NET__COUNT; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *entity_type_name(enum entity_type t)
{
	static const char *const n[] = {"url", "mention", "hashtag", "cashtag"};
	return t >= ENT_URL && t <= ENT_CASHTAG ? n[t] : "?";
}

void text_push_entity(struct text_count *out, enum entity_type t, size_t byte_start, size_t byte_end)
{
	if ((out->nentities & (out->nentities - 1)) == 0)
		out->entities = xrealloc(out->entities, (out->nentities ? 2 * out->nentities : 4) * sizeof *out->entities);
	struct entity *e = &out->entities[out->nentities++];
	e->type = t;
	e->byte_start = byte_start;
	e->byte_end = byte_end;
	e->utf16_start = e->utf16_end = 0;
}

unsigned text_next_cp_slow(const char *s, size_t len, size_t *i)
{
	utf8proc_int32_t cp = 0;
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + *i, (utf8proc_ssize_t)(len - *i), &cp);
	if (n <= 0) {
		(*i)++;
		return 0xFFFD;
	}
	*i += (size_t)n;
	return (unsigned)cp;
}

size_t text_grapheme_end(const char *s, size_t len, size_t n)
{
	size_t i = 0, count = 0;
	utf8proc_int32_t state = 0, prev = -1;
	while (i < len) {
		size_t at = i;
		utf8proc_int32_t cp = (utf8proc_int32_t)text_next_cp(s, len, &i);
		if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cp, &state)) {
			if (count == n)
				return at;
			count++;
		}
		prev = cp;
	}
	return len;
}

size_t text_graphemes(const char *s, size_t len)
{
	size_t i = 0, count = 0;
	utf8proc_int32_t state = 0, prev = -1;
	while (i < len) {
		utf8proc_int32_t cp = (utf8proc_int32_t)text_next_cp(s, len, &i);
		if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cp, &state))
			count++;
		prev = cp;
	}
	return count;
}

size_t text_utf16_len(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80)
			n += c >= 0xF0 ? 2 : 1;
	}
	return n;
}

int text_tld_in(const char *const *list, unsigned long count, const char *tld, size_t len)
{
	char low[128];
	if (len == 0 || len >= sizeof low)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = tld[i];
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[len] = '\0';
	unsigned long lo = 0, hi = count;
	while (lo < hi) {
		unsigned long mid = (lo + hi) / 2;
		int c = strcmp(low, list[mid]);
		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

void text_fill_limits(enum network net, const struct net_limits *lim, struct net_limits *out)
{
	*out = text_default_limits[net];
	if (!lim)
		return;
	if (lim->max_chars > 0)
		out->max_chars = lim->max_chars;
	if (lim->url_weight > 0)
		out->url_weight = lim->url_weight;
	if (lim->max_hashtags > 0)
		out->max_hashtags = lim->max_hashtags;
	if (lim->max_mentions > 0)
		out->max_mentions = lim->max_mentions;
	if (lim->max_links > 0)
		out->max_links = lim->max_links;
	if (lim->max_bytes > 0)
		out->max_bytes = lim->max_bytes;
}

static int count_all(enum network net, const char *s, size_t len, const struct net_limits *lim,
		     struct text_count *out, struct count_extra *ex)
{
	memset(out, 0, sizeof *out);
	memset(ex, 0, sizeof *ex);
	if (net < 0 || net >= NET__COUNT || !utf8_valid(s, len, NULL) || memchr(s, '\0', len))
		return -1;
	struct net_limits l;
	text_fill_limits(net, lim, &l);
	/* The counters rely on a terminating NUL after the text, and s[len] is
	 * not ours to read: copy (on the stack when short). */
	char small[1024], *copy = NULL;
	char *t = len < sizeof small ? small : (copy = xmalloc(len + 1));
	memcpy(t, s, len);
	t[len] = '\0';
	out->net = net;
	out->bytes = len;
	out->graphemes = text_graphemes(t, len);
	ex->over_at = len;
	ex->invalid_at = len;
	int rc = counters[net](t, len, &l, out, ex);
	free(copy);
	if (rc) {
		text_count_free(out);
		return -1;
	}
	/* UTF-16 offsets, in one pass over the entities in byte order (from
	 * the previous start; from 0 again should a counter not sort). */
	size_t at = 0, at16 = 0;
	for (size_t k = 0; k < out->nentities; k++) {
		struct entity *e = &out->entities[k];
		if (e->byte_start < at)
			at = at16 = 0;
		at16 += text_utf16_len(s + at, e->byte_start - at);
		at = e->byte_start;
		e->utf16_start = at16;
		e->utf16_end = e->utf16_start + text_utf16_len(s + e->byte_start, e->byte_end - e->byte_start);
	}
	out->valid = out->length <= out->limit && ex->invalid_at >= len && (!l.max_bytes || (long)len <= l.max_bytes) &&
		     (!l.max_hashtags || ex->hashtags <= l.max_hashtags) &&
		     (!l.max_mentions || ex->mentions <= l.max_mentions) && (!l.max_links || ex->links <= l.max_links);
	if (net == NET_X && out->valid && out->length == 0)
		out->valid = 0;
	return 0;
}

int text_count(enum network net, const char *s, size_t len, const struct net_limits *lim, struct text_count *out)
{
	struct count_extra ex;
	return count_all(net, s, len, lim, out, &ex);
}

void text_count_free(struct text_count *c)
{
	free(c->entities);
	c->entities = NULL;
	c->nentities = 0;
}

static void add(struct text_problem *out, size_t max, size_t *n, const char *code, size_t bs, size_t be, long v,
		long limit)
{
	if (*n < max) {
		out[*n].code = code;
		out[*n].byte_start = bs;
		out[*n].byte_end = be;
		out[*n].value = v;
		out[*n].limit = limit;
	}
	(*n)++;
}

/* The byte range of the k-th entity of type t (0-based), or the whole text. */
static void nth_entity(const struct text_count *c, enum entity_type t, long k, size_t len, size_t *bs, size_t *be)
{
	long seen = 0;
	for (size_t i = 0; i < c->nentities; i++) {
		if (c->entities[i].type != t)
			continue;
		if (seen++ == k) {
			*bs = c->entities[i].byte_start;
			*be = c->entities[i].byte_end;
			return;
		}
	}
	*bs = 0;
	*be = len;
}

size_t text_validate(enum network net, const char *s, size_t len, const struct net_limits *lim,
		     struct text_problem *out, size_t max, size_t *total)
{
	size_t n = 0;
	struct text_count c;
	struct count_extra ex;
	struct net_limits l;
	if (count_all(net, s, len, lim, &c, &ex)) {
		size_t bad = 0;
		if (utf8_valid(s, len, &bad)) {
			/* Valid UTF-8 with a NUL byte in it. */
			const char *nul = memchr(s, '\0', len);
			bad = nul ? (size_t)(nul - s) : 0;
		}
		add(out, max, &n, "text.invalid_utf8", bad, len, 0, 0);
		*total = n;
		return n < max ? n : max;
	}
	text_fill_limits(net, lim, &l);
	if (len == 0)
		add(out, max, &n, "text.empty", 0, 0, 0, 0);
	if (c.length > c.limit)
		add(out, max, &n, "text.too_long", ex.over_at, len, c.length, c.limit);
	if (ex.invalid_at < len) {
		size_t end = ex.invalid_at;
		text_next_cp(s, len, &end);
		add(out, max, &n, "text.invalid_characters", ex.invalid_at, end, 0, 0);
	}
	if (l.max_bytes && (long)len > l.max_bytes) {
		/* From the start of the grapheme cluster that crosses the cap. */
		size_t cut = 0, i = 0;
		utf8proc_int32_t state = 0, prev = -1;
		while (i <= (size_t)l.max_bytes) {
			size_t at = i;
			utf8proc_int32_t cp = (utf8proc_int32_t)text_next_cp(s, len, &i);
			if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cp, &state))
				cut = at;
			prev = cp;
		}
		add(out, max, &n, "text.too_many_bytes", cut, len, (long)len, l.max_bytes);
	}
	size_t bs, be;
	if (l.max_hashtags && ex.hashtags > l.max_hashtags) {
		nth_entity(&c, ENT_HASHTAG, l.max_hashtags, len, &bs, &be);
		add(out, max, &n, "text.too_many_hashtags", bs, be, ex.hashtags, l.max_hashtags);
	}
	if (l.max_mentions && ex.mentions > l.max_mentions) {
		nth_entity(&c, ENT_MENTION, l.max_mentions, len, &bs, &be);
		add(out, max, &n, "text.too_many_mentions", bs, be, ex.mentions, l.max_mentions);
	}
	if (l.max_links && ex.links > l.max_links) {
		nth_entity(&c, ENT_URL, l.max_links, len, &bs, &be);
		add(out, max, &n, "text.too_many_links", bs, be, ex.links, l.max_links);
	}
	text_count_free(&c);
	*total = n;
	return n < max ? n : max;
}
