/* others: the networks without a reference library to match — Threads,
 * Instagram, LinkedIn, Facebook, TikTok: their counting units, and URL,
 * mention and hashtag detection by one documented rule each. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "text/internal.h"

/* ---- counting units --------------------------------------------------------
 *
 * Instagram, LinkedIn, Facebook and TikTok count UTF-16 code units (what
 * their composers' String.length shows: an astral emoji counts 2; LinkedIn's
 * reserved characters count as written, their escaping is added when
 * publishing). Threads counts an emoji as its UTF-8 byte length: a grapheme
 * cluster (utf8proc) that holds an Extended_Pictographic code point, a
 * regional indicator or U+20E3 (keycap) is an emoji, and each of its code
 * points counts its UTF-8 bytes (😀 4, ❤️ = U+2764 U+FE0F 3 + 3 = 6,
 * 👍🏽 8, 🇦🇱 8, 1️⃣ 1 + 3 + 3 = 7; © and ™ are Extended_Pictographic
 * too and count 2 and 3 even without U+FE0F); every code point of any
 * other cluster counts 1 (ë, 日, a letter with a combining mark 2).
 *
 * over_at is the start of the first grapheme cluster that ends past the
 * limit, so the part underlined never begins inside a cluster. */

enum unit { U_UTF16, U_THREADS };

static int emoji_cp(utf8proc_int32_t cp)
{
	int b = utf8proc_get_property(cp)->boundclass;
	return b == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC || b == UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR ||
	       cp == 0x20E3;
}

/* The weight of the cluster s[a..b). */
static long cluster_weight(const char *s, size_t a, size_t b, enum unit u)
{
	if (u == U_UTF16)
		return (long)text_utf16_len(s + a, b - a);
	long cps = 0;
	int emoji = 0;
	for (size_t i = a; i < b;) {
		emoji |= emoji_cp((utf8proc_int32_t)text_next_cp(s, b, &i));
		cps++;
	}
	return emoji ? (long)(b - a) : cps;
}

/* Sum the weights; *over receives the start of the first cluster that ends
 * past limit (len when none does). */
static long measure(const char *s, size_t len, long limit, enum unit u, size_t *over)
{
	utf8proc_int32_t state = 0, prev = -1;
	size_t i = 0, start = 0;
	long total = 0;
	*over = len;
	while (i <= len) {
		size_t at = i;
		utf8proc_int32_t cp = -1;
		if (i < len)
			cp = (utf8proc_int32_t)text_next_cp(s, len, &i);
		else
			i++;
		if (prev >= 0 && (cp < 0 || utf8proc_grapheme_break_stateful(prev, cp, &state))) {
			total += cluster_weight(s, start, at, u);
			if (total > limit && *over == len)
				*over = start;
			start = at;
		}
		prev = cp;
	}
	return total;
}

/* ---- entities --------------------------------------------------------------
 *
 * One rule for all five, with the user-name alphabet of each network:
 *
 *   URL      "http://" or "https://" (any case) not glued to a letter or
 *            digit before it, then the run of non-space characters; or a bare
 *            host at a word start (not after a letter, digit, '@', '.', '/',
 *            '-', '_', '#', '＃' or '$'): ASCII labels of letters, digits and
 *            inner hyphens, joined by dots, the last one a top-level domain
 *            twitter-text knows, not followed by '@' (an address), then the
 *            rest of the run when it goes on with '/', '?', '#' or ':'.
 *            Trailing . , ; : ! ? ' " ’ and an unbalanced ')' are not part
 *            of it.
 *   mention  '@' not after a letter, digit, '_', '.' or '@', then user-name
 *            characters up to the network's maximum (a trailing '.' is not
 *            part of it) and not followed by another user-name character,
 *            '@' or "://". Instagram and Threads: letters, digits, '.', '_',
 *            30; TikTok: the same, 24; Facebook: letters, digits, '.', 50.
 *            LinkedIn has no plain @mentions: a mention is its little-text
 *            markup @[Name](urn:li:person|organization:ID).
 *   hashtag  '#' or '＃' not after a letter, digit, '_' or '&' (so "C#" and
 *            "&#39;" are none), then letters, marks, digits and '_' of any
 *            script, not all digits.
 *
 * A mention or hashtag that overlaps a URL is not one. */

struct style {
	size_t max_user;
	int user_underscore; /* '_' allowed in user names */
	int linkedin;	     /* mentions only as @[Name](urn:li:...) */
};

static const struct style instagram = {30, 1, 0}, tiktok = {24, 1, 0}, facebook = {50, 0, 0}, linkedin = {0, 0, 1};

static unsigned cp_at(const char *s, size_t len, size_t i, size_t *next)
{
	if (i >= len) {
		*next = len;
		return 0;
	}
	unsigned char b = (unsigned char)s[i];
	if (b < 0x80) {
		*next = i + 1;
		return b;
	}
	*next = i;
	return text_next_cp(s, len, next);
}

static unsigned cp_before(const char *s, size_t i)
{
	if (i == 0)
		return 0;
	size_t j = i - 1;
	while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80)
		j--;
	return text_next_cp(s, i, &j);
}

static int alnum(unsigned c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
}

/* Letters, marks and numbers of any script. */
static int letter_or_digit(unsigned c)
{
	if (c < 0x80)
		return alnum(c);
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO);
}

static int space(unsigned c)
{
	if (c < 0x80)
		return c == ' ' || (c >= 0x09 && c <= 0x0D);
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL || k == UTF8PROC_CATEGORY_ZP || c == 0x85;
}

static int in_set(unsigned c, const char *set)
{
	return c > 0 && c < 0x80 && strchr(set, (int)c) != NULL;
}

static size_t nonspace_end(const char *s, size_t len, size_t i)
{
	size_t next;
	while (i < len && !space(cp_at(s, len, i, &next)))
		i = next;
	return i;
}

/* Drop trailing punctuation and unbalanced closing parentheses. */
static size_t trim_url(const char *s, size_t a, size_t e)
{
	while (e > a) {
		size_t next;
		unsigned c = cp_before(s, e);
		size_t w = e - (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
		if (in_set(c, ".,;:!?'\"") || c == 0x2019) {
			e = w;
			continue;
		}
		if (c == ')') {
			long depth = 0;
			for (size_t i = a; i < e; i = next) {
				unsigned d = cp_at(s, e, i, &next);
				depth += d == '(' ? 1 : d == ')' ? -1 : 0;
			}
			if (depth < 0) {
				e = w;
				continue;
			}
		}
		break;
	}
	return e;
}

/* A bare host at b whose last label is a known TLD; returns its end. */
static size_t bare_host(const char *s, size_t len, size_t b)
{
	size_t i = b, last = 0, end = 0;
	for (;;) {
		size_t a = i;
		while (i < len && (alnum((unsigned char)s[i]) || s[i] == '-'))
			i++;
		if (i == a || s[a] == '-' || s[i - 1] == '-' || i - a > 63)
			break;
		if (last && (i >= len || !alnum((unsigned char)s[i]))) {
			if (text_tld_in(tld_twitter_generic, tld_twitter_generic_count, s + a, i - a) ||
			    text_tld_in(tld_twitter_cc, tld_twitter_cc_count, s + a, i - a))
				end = i;
		}
		last = a + 1;
		if (i + 1 < len && s[i] == '.' && alnum((unsigned char)s[i + 1]))
			i++;
		else
			break;
	}
	/* user.name@example.com is an address, not a link to user.name */
	return end < len && s[end] == '@' ? 0 : end;
}

static void find_urls(const char *s, size_t len, struct text_count *out, long *n)
{
	size_t p = 0, next;
	while (p < len) {
		unsigned prev = cp_before(s, p);
		size_t e = 0;
		if (!alnum(prev) && len - p > 7 && strncasecmp(s + p, "http", 4) == 0) {
			size_t k = p + 4 + ((s[p + 4] | 0x20) == 's');
			if (len - k > 3 && memcmp(s + k, "://", 3) == 0 && !space(cp_at(s, len, k + 3, &next)))
				e = nonspace_end(s, len, k + 3);
		}
		if (!e && alnum((unsigned char)s[p]) && !alnum(prev) && !in_set(prev, "@./-_#$") && prev != 0xFF03) {
			e = bare_host(s, len, p);
			if (e && e < len && in_set((unsigned char)s[e], "/?#:"))
				e = nonspace_end(s, len, e);
		}
		if (e && (e = trim_url(s, p, e)) > p) {
			text_push_entity(out, ENT_URL, p, e);
			(*n)++;
			p = e;
			continue;
		}
		cp_at(s, len, p, &next);
		p = next;
	}
}

/* 1 when one of out->entities[0..k) (the URLs, in byte order) overlaps
 * [a, b). */
static int on_url(const struct text_count *out, size_t k, size_t a, size_t b)
{
	size_t lo = 0, hi = k;
	while (lo < hi) { /* the first URL that ends after a */
		size_t mid = (lo + hi) / 2;
		if (out->entities[mid].byte_end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k && out->entities[lo].byte_start < b;
}

static int user_char(const struct style *st, unsigned c)
{
	return alnum(c) || c == '.' || (st->user_underscore && c == '_');
}

/* @[Name](urn:li:person:ID) or @[Name](urn:li:organization:ID) at a; the
 * name holds no bracket and no line break. */
static size_t linkedin_mention(const char *s, size_t len, size_t a)
{
	if (a + 1 >= len || s[a + 1] != '[')
		return 0;
	size_t i = a + 2;
	while (i < len && s[i] != ']' && s[i] != '[' && s[i] != '\n')
		i++;
	if (i == a + 2 || i >= len || s[i] != ']')
		return 0;
	i++;
	static const char *const kinds[] = {"(urn:li:person:", "(urn:li:organization:"};
	for (size_t k = 0; k < 2; k++) {
		size_t n = strlen(kinds[k]);
		if (len - i > n && memcmp(s + i, kinds[k], n) == 0) {
			size_t j = i + n;
			while (j < len && (alnum((unsigned char)s[j]) || s[j] == '-' || s[j] == '_'))
				j++;
			if (j > i + n && j < len && s[j] == ')')
				return j + 1;
		}
	}
	return 0;
}

static void find_mentions(const char *s, size_t len, const struct style *st, struct text_count *out, size_t urls,
			  long *n)
{
	for (const char *at = memchr(s, '@', len); at; at = memchr(at + 1, '@', len - (size_t)(at + 1 - s))) {
		size_t a = (size_t)(at - s), e = a + 1;
		unsigned prev = cp_before(s, a);
		if (alnum(prev) || in_set(prev, "_.@"))
			continue;
		if (st->linkedin) {
			e = linkedin_mention(s, len, a);
		} else {
			while (e < len && user_char(st, (unsigned char)s[e]) && e - a - 1 < st->max_user)
				e++;
			int glued = e < len && (user_char(st, (unsigned char)s[e]) || s[e] == '@' ||
						(len - e >= 3 && memcmp(s + e, "://", 3) == 0));
			while (e > a + 1 && s[e - 1] == '.')
				e--;
			if (glued || e == a + 1)
				e = 0;
		}
		if (e && !on_url(out, urls, a, e)) {
			text_push_entity(out, ENT_MENTION, a, e);
			(*n)++;
		}
	}
}

static void find_hashtags(const char *s, size_t len, struct text_count *out, size_t urls, long *n)
{
	size_t p = 0, next;
	while (p < len) {
		unsigned c = cp_at(s, len, p, &next);
		if (c == '#' || c == 0xFF03) {
			unsigned prev = cp_before(s, p);
			size_t e = next;
			int letter = 0;
			if (!letter_or_digit(prev) && prev != '_' && prev != '&') {
				size_t q;
				while (e < len) {
					unsigned t = cp_at(s, len, e, &q);
					if (t != '_' && !letter_or_digit(t))
						break;
					letter |= !(t >= '0' && t <= '9');
					e = q;
				}
			}
			if (letter && !on_url(out, urls, p, e)) {
				text_push_entity(out, ENT_HASHTAG, p, e);
				(*n)++;
				p = e;
				continue;
			}
		}
		p = next;
	}
}

/* Entities in byte order (URLs are found first, then the others). */
static int by_start(const void *a, const void *b)
{
	const struct entity *x = a, *y = b;
	return x->byte_start < y->byte_start ? -1 : x->byte_start > y->byte_start;
}

static int count_with(const char *s, size_t len, const struct net_limits *lim, enum unit u, const struct style *st,
		      struct text_count *out, struct count_extra *ex)
{
	out->length = measure(s, len, lim->max_chars, u, &ex->over_at);
	out->limit = lim->max_chars;
	find_urls(s, len, out, &ex->links);
	size_t urls = out->nentities;
	find_mentions(s, len, st, out, urls, &ex->mentions);
	find_hashtags(s, len, out, urls, &ex->hashtags);
	if (out->nentities > 1)
		qsort(out->entities, out->nentities, sizeof *out->entities, by_start);
	return 0;
}

int count_threads(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		  struct count_extra *ex)
{
	return count_with(s, len, lim, U_THREADS, &instagram, out, ex);
}

int count_instagram(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		    struct count_extra *ex)
{
	return count_with(s, len, lim, U_UTF16, &instagram, out, ex);
}

int count_linkedin(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		   struct count_extra *ex)
{
	return count_with(s, len, lim, U_UTF16, &linkedin, out, ex);
}

int count_facebook(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		   struct count_extra *ex)
{
	return count_with(s, len, lim, U_UTF16, &facebook, out, ex);
}

int count_tiktok(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		 struct count_extra *ex)
{
	return count_with(s, len, lim, U_UTF16, &tiktok, out, ex);
}
