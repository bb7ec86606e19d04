/* x: X's count and entities exactly as npm twitter-text 3.x computes them
 * (parseTweet with the v3 configuration, extractEntitiesWithIndices).
 *
 * twitter-text runs non-Unicode JavaScript regular expressions over UTF-16
 * code units, so this file works on UTF-16 too. Each expression is emulated
 * by hand, down to the order in which a backtracking engine tries its
 * alternatives (which decides, for example, where a URL without a scheme
 * starts). The character classes come from the reference's own regular
 * expressions at build time (tools/gen_tlds.mjs), so that case folding under
 * /i and its Unicode tables agree; the emoji sequences are those of its
 * twemoji-parser 11 expression.
 *
 * Two texts are involved: parseTweet weighs the NFC form of the text, while
 * the entity extractors report ranges in the text as given. kanal does the
 * same: the length (and over_at) from the NFC text, the entities from the
 * original. NFC is utf8proc's, plus the compositions of scripts newer than
 * its tables that Node's normalize() makes (generated too). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "text/internal.h"

/* ---- Generated from the references (build/gen/tlds.c) ----------------- */

extern const unsigned twitter_class_url_preceding_bmp[2048];
extern const unsigned twitter_class_url_domain_bmp[2048];
extern const unsigned twitter_class_url_path_bmp[2048];
extern const unsigned twitter_class_url_path_end_bmp[2048];
extern const unsigned twitter_class_url_query_bmp[2048];
extern const unsigned twitter_class_url_query_end_bmp[2048];
extern const unsigned twitter_class_ascii_domain_bmp[2048];
extern const unsigned twitter_class_latin_accent_bmp[2048];
extern const unsigned twitter_class_hashtag_alpha_bmp[2048];
extern const unsigned twitter_class_hashtag_alnum_bmp[2048];
extern const unsigned twitter_class_spaces_bmp[2048];
extern const unsigned twitter_class_js_space_bmp[2048];
extern const unsigned twitter_class_punct_bmp[2048];
extern const unsigned twitter_class_hashtag_alpha_astral[][2];
extern const unsigned long twitter_class_hashtag_alpha_astral_count;
extern const unsigned twitter_class_hashtag_alnum_astral[][2];
extern const unsigned long twitter_class_hashtag_alnum_astral_count;
extern const unsigned twitter_nfc_pairs[][3];
extern const unsigned long twitter_nfc_pairs_count;
extern const unsigned twitter_class_nfc_touchy_bmp[2048];
extern const unsigned twitter_class_nfc_touchy_astral[][2];
extern const unsigned long twitter_class_nfc_touchy_astral_count;

/* 1 when code unit u is in the class. */
#define IS(cls, u) ((twitter_class_##cls##_bmp[(u) >> 5] >> ((u)&31)) & 1u)

static int in_ranges(unsigned c, const unsigned (*r)[2], size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c < r[mid][0])
			hi = mid;
		else if (c > r[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}
#define IN(c, r) in_ranges((c), (r), sizeof(r) / sizeof((r)[0]))

static int is_alpha_ascii(unsigned u)
{
	return (u | 32) >= 'a' && (u | 32) <= 'z';
}

static int is_digit(unsigned u)
{
	return u >= '0' && u <= '9';
}

/* ---- UTF-16 ------------------------------------------------------------ */

#define NONE ((size_t)-1)
#define IS_HI(u) ((u) >= 0xD800 && (u) <= 0xDBFF)
#define IS_LO(u) ((u) >= 0xDC00 && (u) <= 0xDFFF)

/* The UTF-16 form of valid UTF-8 s[0..len); caller frees *out. */
static size_t to_utf16(const char *s, size_t len, uint16_t **out)
{
	uint16_t *u = xmalloc((len + 1) * sizeof *u);
	size_t n = 0, i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		unsigned cp;
		if (c < 0x80) {
			u[n++] = c;
			i++;
			continue;
		}
		if (c < 0xE0) {
			cp = (c & 0x1Fu) << 6 | ((unsigned char)s[i + 1] & 0x3Fu);
			i += 2;
		} else if (c < 0xF0) {
			cp = (c & 0x0Fu) << 12 | ((unsigned char)s[i + 1] & 0x3Fu) << 6 |
			     ((unsigned char)s[i + 2] & 0x3Fu);
			i += 3;
		} else {
			cp = (c & 0x07u) << 18 | ((unsigned char)s[i + 1] & 0x3Fu) << 12 |
			     ((unsigned char)s[i + 2] & 0x3Fu) << 6 | ((unsigned char)s[i + 3] & 0x3Fu);
			i += 4;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[n++] = (uint16_t)(0xD800 + (cp >> 10));
			u[n++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
		} else {
			u[n++] = (uint16_t)cp;
		}
	}
	u[n] = 0;
	*out = u;
	return n;
}

/* The code point at t[i] and its length in code units (0 at the end). */
static unsigned cp_at(const uint16_t *t, size_t n, size_t i, size_t *len)
{
	if (i >= n) {
		*len = 0;
		return 0xFFFFFFFFu;
	}
	unsigned u = t[i];
	if (IS_HI(u) && i + 1 < n && IS_LO(t[i + 1])) {
		*len = 2;
		return 0x10000u + ((u - 0xD800u) << 10) + (t[i + 1] - 0xDC00u);
	}
	*len = 1;
	return u;
}

/* Walks UTF-8 and UTF-16 offsets of the same text forward together. */
struct walker {
	const char *s;
	size_t len, byte, u16;
};

/* Byte offset of UTF-16 offset u16 (>= the last one asked); an offset in
 * the middle of a surrogate pair rounds up to the end of the pair. */
static size_t walk_to(struct walker *w, size_t u16)
{
	while (w->u16 < u16 && w->byte < w->len) {
		unsigned char c = (unsigned char)w->s[w->byte];
		size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		w->byte += l;
		w->u16 += l == 4 ? 2 : 1;
	}
	return w->byte;
}

/* ---- Spans ------------------------------------------------------------- */

/* A match in UTF-16 offsets. skip is how far parseTweet jumps over a URL
 * (the length of the URL string it reports, which can differ from the
 * range for a URL without a scheme). */
struct span {
	size_t start, end, skip;
	enum entity_type type;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static struct span *span_push(struct spans *s, enum entity_type type, size_t start, size_t end)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	struct span *p = &s->v[s->n++];
	p->type = type;
	p->start = start;
	p->end = end;
	p->skip = end - start;
	return p;
}

static void spans_free(struct spans *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- Top-level domains ------------------------------------------------- */

/* JavaScript's case-insensitive canonical form (non-Unicode mode): the
 * upper case, unless that would turn a non-ASCII character into ASCII. */
static unsigned js_canon(unsigned c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z' ? c - 32 : c;
	unsigned u = (unsigned)utf8proc_toupper((utf8proc_int32_t)c);
	return u < 0x80 ? c : u;
}

/* The lower-case spelling that the TLD lists would hold for code unit u. */
static unsigned tld_fold(unsigned u)
{
	if (u < 0x80)
		return u >= 'A' && u <= 'Z' ? u + 32 : u;
	unsigned canon = js_canon(u);
	unsigned low = (unsigned)utf8proc_tolower((utf8proc_int32_t)canon);
	return js_canon(low) == canon ? low : u;
}

#define TLD_MAX_UNITS 64

/* Both TLD lists in one hash set (built once): most candidates are not
 * TLDs, and a miss then costs one probe instead of two binary searches. */
#define TLD_SLOTS 8192
static const char *tld_set[TLD_SLOTS];
static pthread_once_t tld_once = PTHREAD_ONCE_INIT;

static uint32_t tld_hash(const char *b, size_t k)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < k; i++)
		h = (h ^ (unsigned char)b[i]) * 16777619u;
	return h;
}

static void tld_set_add(const char *const *list, unsigned long count)
{
	for (unsigned long i = 0; i < count; i++) {
		uint32_t h = tld_hash(list[i], strlen(list[i])) & (TLD_SLOTS - 1);
		while (tld_set[h])
			h = (h + 1) & (TLD_SLOTS - 1);
		tld_set[h] = list[i];
	}
}

static void tld_set_build(void)
{
	tld_set_add(tld_twitter_generic, tld_twitter_generic_count);
	tld_set_add(tld_twitter_cc, tld_twitter_cc_count);
}

static int tld_set_has(const char *b, size_t k)
{
	pthread_once(&tld_once, tld_set_build);
	for (uint32_t h = tld_hash(b, k) & (TLD_SLOTS - 1); tld_set[h]; h = (h + 1) & (TLD_SLOTS - 1))
		if (strncmp(tld_set[h], b, k) == 0 && tld_set[h][k] == '\0')
			return 1;
	return 0;
}

/* 1 when t[p..p+len) is one of twitter-text's TLDs (case-insensitively). */
static int tld_listed(const uint16_t *t, size_t p, size_t len)
{
	char b[TLD_MAX_UNITS * 3 + 1];
	size_t k = 0;
	for (size_t i = p; i < p + len; i++) {
		unsigned c = tld_fold(t[i]);
		if (IS_HI(c) || IS_LO(c))
			return 0;
		if (c < 0x80) {
			b[k++] = (char)c;
		} else if (c < 0x800) {
			b[k++] = (char)(0xC0 | c >> 6);
			b[k++] = (char)(0x80 | (c & 0x3F));
		} else {
			b[k++] = (char)(0xE0 | c >> 12);
			b[k++] = (char)(0x80 | (c >> 6 & 0x3F));
			b[k++] = (char)(0x80 | (c & 0x3F));
		}
	}
	return tld_set_has(b, k);
}

/* The look-ahead after a listed TLD: the end, or not [0-9a-zA-Z@+-]. */
static int tld_boundary(const uint16_t *t, size_t x, size_t lim)
{
	if (x >= lim)
		return 1;
	unsigned u = t[x];
	return !(is_alpha_ascii(u) || is_digit(u) || u == '@' || u == '+' || u == '-');
}

/* (?:gTLD|ccTLD)(?=look-ahead) or xn--[-0-9a-z]+ at t[p..lim): 1 and *end,
 * or 0. The lists are tried in their order, which puts the longer of two
 * TLDs that share a prefix first (嘉里大酒店 before 嘉里): longest wins. */
static int tld_at(const uint16_t *t, size_t p, size_t lim, size_t *end)
{
	size_t r = p;
	while (r < lim && r - p < TLD_MAX_UNITS && (is_alpha_ascii(t[r]) || t[r] >= 0x80))
		r++;
	for (size_t e = r; e > p; e--) {
		if (tld_boundary(t, e, lim) && tld_listed(t, p, e - p)) {
			*end = e;
			return 1;
		}
	}
	if (p + 4 < lim && (t[p] | 32) == 'x' && (t[p + 1] | 32) == 'n' && t[p + 2] == '-' && t[p + 3] == '-') {
		size_t e = p + 4;
		while (e < lim && (is_alpha_ascii(t[e]) || is_digit(t[e]) || t[e] == '-'))
			e++;
		if (e > p + 4) {
			*end = e;
			return 1;
		}
	}
	return 0;
}

/* ---- URLs -------------------------------------------------------------- */

/* twitter-text's extractUrl: (preceding)((https?://)?(domain)(:port)?
 * (/path)?(?query)?), with domain = subdomain* name (gTLD|ccTLD|punycode).
 * Everything after the domain is optional, so the first domain that the
 * engine finds decides the match; path and query then take their greedy
 * first successes. */

#define DOM(u) IS(url_domain, u)

struct urlctx {
	const uint16_t *t;
	size_t n;
	/* The run of domain characters, '_' and '-' last scanned for a first
	 * label: [run_start, run_end), run_us = 1 + the last '_' in it (0: none). */
	size_t run_start, run_end, run_us;
	int run_ok;
	/* The chain of labels last walked: label starts ch_first .. ch_last; the
	 * last label in it that can be the domain name is at ch_jpos and its TLD
	 * ends at ch_jend (NONE when there is none). */
	size_t ch_first, ch_last, ch_jpos, ch_jend;
	int ch_ok;
};

struct urlmatch {
	size_t start, proto, dom_start, dom_end, end;
	int has_path;
};

/* Where the label that starts at q ends (t[q] is a domain character): the
 * end of the run of domain characters and [_-]; *us when a '_' is in it. */
static size_t first_label(struct urlctx *c, size_t q, int *us)
{
	if (!(c->run_ok && q >= c->run_start && q < c->run_end)) {
		size_t i = q, last = 0;
		while (i < c->n && (DOM(c->t[i]) || c->t[i] == '_' || c->t[i] == '-')) {
			if (c->t[i] == '_')
				last = i + 1;
			i++;
		}
		c->run_start = q;
		c->run_end = i;
		c->run_us = last;
		c->run_ok = 1;
	}
	*us = c->run_us > q;
	return c->run_end;
}

/* The end of "subdomain* name TLD" for a chain of labels starting at label
 * start q, or NONE. A subdomain label is C([_-]|C)*C or C followed by '.';
 * a name label the same without '_'. The engine takes as many subdomains as
 * it can and gives them back one at a time, so the domain name is the last
 * label of the chain that is followed by a TLD. The answer for every label
 * of a walked chain follows from that one label, so a chain is walked once
 * however many starts fall into it. */
static size_t chain_end(struct urlctx *c, size_t q)
{
	const uint16_t *t = c->t;
	if (!(c->ch_ok && q >= c->ch_first && q <= c->ch_last)) {
		size_t cur = q, jpos = NONE, jend = NONE;
		while (cur < c->n && DOM(t[cur])) {
			size_t r = cur, us = 0;
			while (r < c->n && (DOM(t[r]) || t[r] == '_' || t[r] == '-'))
				us |= t[r++] == '_';
			if (!(r < c->n && t[r] == '.' && DOM(t[r - 1])))
				break;
			size_t e;
			if (!us && tld_at(t, r + 1, c->n, &e)) {
				jpos = cur;
				jend = e;
			}
			cur = r + 1;
		}
		c->ch_ok = 1;
		c->ch_first = q;
		c->ch_last = cur;
		c->ch_jpos = jpos;
		c->ch_jend = jend;
	}
	return c->ch_jpos != NONE && q <= c->ch_jpos ? c->ch_jend : NONE;
}

/* The end of the domain starting at s, or NONE. */
static size_t domain_end(struct urlctx *c, size_t s)
{
	const uint16_t *t = c->t;
	if (s >= c->n || !DOM(t[s]))
		return NONE;
	int us;
	size_t r = first_label(c, s, &us);
	if (!(r < c->n && t[r] == '.' && DOM(t[r - 1])))
		return NONE;
	size_t e = chain_end(c, r + 1);
	if (e != NONE)
		return e;
	if (!us && tld_at(t, r + 1, c->n, &e))
		return e;
	return NONE;
}

/* https?:// (any case) at t[s..lim): its length, or 0. */
static size_t proto_len(const uint16_t *t, size_t lim, size_t s)
{
	if (s + 7 > lim || (t[s] | 32) != 'h' || (t[s + 1] | 32) != 't' || (t[s + 2] | 32) != 't' ||
	    (t[s + 3] | 32) != 'p')
		return 0;
	size_t i = s + 4;
	if ((t[i] | 32) == 's')
		i++;
	if (i + 3 > lim || t[i] != ':' || t[i + 1] != '/' || t[i + 2] != '/')
		return 0;
	return i + 3 - s;
}

/* \((?:P+|P*\(P+\)P*)\) at t[i] (P: path characters): 1 and *end, or 0. */
static int balanced_parens(const uint16_t *t, size_t n, size_t i, size_t *end)
{
	size_t j = i + 1;
	while (j < n && IS(url_path, t[j]))
		j++;
	if (j > i + 1 && j < n && t[j] == ')') {
		*end = j + 1;
		return 1;
	}
	if (j < n && t[j] == '(') {
		size_t k = j + 1;
		while (k < n && IS(url_path, t[k]))
			k++;
		if (k > j + 1 && k < n && t[k] == ')') {
			size_t l = k + 1;
			while (l < n && IS(url_path, t[l]))
				l++;
			if (l < n && t[l] == ')') {
				*end = l + 1;
				return 1;
			}
		}
	}
	return 0;
}

/* The end of the path after its '/' at t[i]: (V)* where, because the
 * ending-character pattern is spliced in without parentheses, V is
 * "P* (group P*)* E" or a lone parenthesised group (or "@P+/", which the
 * first form always beats). The first form, greedy and then given back,
 * ends after the last ending character E of the deepest run of path
 * characters P that has one; once a V has ended so, what follows holds no
 * ending character, and only groups in a row can still be added. */
static size_t path_end(const uint16_t *t, size_t n, size_t i)
{
	size_t j = i, last_end = NONE, g;
	for (;;) {
		while (j < n && IS(url_path, t[j])) {
			if (IS(url_path_end, t[j]))
				last_end = j + 1;
			j++;
		}
		if (!(j < n && t[j] == '(' && balanced_parens(t, n, j, &g)))
			break;
		j = g;
	}
	if (last_end != NONE)
		i = last_end;
	while (i < n && t[i] == '(' && balanced_parens(t, n, i, &g))
		i = g;
	return i;
}

/* \?Q*E at t[i] (i < lim, t[i] == '?'): the end, or i when no query. */
static size_t query_end(const uint16_t *t, size_t lim, size_t i)
{
	size_t j = i + 1, last = NONE;
	while (j < lim && IS(url_query, t[j])) {
		if (IS(url_query_end, t[j]))
			last = j + 1;
		j++;
	}
	return last != NONE ? last : i;
}

/* The URL part of extractUrl at s: 1 and *m, or 0. */
static int url_at(struct urlctx *c, size_t s, struct urlmatch *m)
{
	const uint16_t *t = c->t;
	size_t n = c->n, pl = proto_len(t, n, s), de = NONE;
	if (pl)
		de = domain_end(c, s + pl);
	if (de == NONE) {
		pl = 0;
		de = domain_end(c, s);
	}
	if (de == NONE)
		return 0;
	m->start = s;
	m->proto = pl;
	m->dom_start = s + pl;
	m->dom_end = de;
	size_t e = de;
	if (e + 1 < n && t[e] == ':' && is_digit(t[e + 1])) {
		e += 2;
		while (e < n && is_digit(t[e]))
			e++;
	}
	m->has_path = e < n && t[e] == '/';
	if (m->has_path)
		e = path_end(t, n, e + 1);
	if (e < n && t[e] == '?')
		e = query_end(t, n, e);
	m->end = e;
	return 1;
}

/* validAsciiDomain, (?:[-a-z0-9À-ɏ...]+\.)+(?:gTLD|ccTLD|punycode), on the
 * string d[0..len) from `from`: 1 with the match [*ms, *me), or 0. */
static int ascii_domain_find(const uint16_t *d, size_t len, size_t from, size_t *ms, size_t *me)
{
	size_t q = from;
	while (q < len) {
		if (!IS(ascii_domain, d[q])) {
			q++;
			continue;
		}
		size_t cur = q, best = NONE, stop;
		for (;;) {
			size_t r = cur;
			while (r < len && IS(ascii_domain, d[r]))
				r++;
			if (r == cur || r >= len || d[r] != '.') {
				stop = r;
				break;
			}
			size_t e;
			if (tld_at(d, r + 1, len, &e))
				best = e;
			cur = r + 1;
		}
		if (best != NONE) {
			*ms = q;
			*me = best;
			return 1;
		}
		/* Every start up to `stop` walks a part of the same chain. */
		q = stop > q ? stop : q + 1;
	}
	return 0;
}

/* Length of punycode.toASCII(label) for one label without '.': its parts
 * split at U+3002, U+FF0E and U+FF61 and joined with '.', each non-ASCII
 * part as "xn--" + RFC 3492 (counted, stopping once past 63). */
static size_t puny_len(const uint16_t *l, size_t len)
{
	size_t total = 0, i = 0;
	for (;;) {
		size_t j = i;
		int ascii = 1;
		while (j < len && l[j] != 0x3002 && l[j] != 0xFF0E && l[j] != 0xFF61)
			ascii &= l[j++] < 0x80;
		if (ascii) {
			total += j - i;
		} else {
			/* The code points, with surrogate pairs joined as punycode.js does. */
			unsigned cps[64];
			size_t ncp = 0, basic = 0;
			for (size_t k = i; k < j; ncp++) {
				if (ncp == 64)
					return 64;
				size_t cl;
				cps[ncp] = cp_at(l, j, k, &cl);
				k += cl;
				basic += cps[ncp] < 0x80;
			}
			size_t out = 4 + basic + (basic > 0), h = basic;
			unsigned long long nn = 128, delta = 0, bias = 72;
			while (h < ncp && out <= 63) {
				unsigned long long mm = ~0ull;
				for (size_t k = 0; k < ncp; k++)
					if (cps[k] >= nn && cps[k] < mm)
						mm = cps[k];
				delta += (mm - nn) * (h + 1);
				nn = mm;
				for (size_t k = 0; k < ncp; k++) {
					if (cps[k] < nn)
						delta++;
					if (cps[k] == nn) {
						unsigned long long q = delta;
						for (unsigned long long kk = 36;; kk += 36) {
							unsigned long long tt = kk <= bias	  ? 1
										: kk >= bias + 26 ? 26
												  : kk - bias;
							if (q < tt)
								break;
							out++;
							q = (q - tt) / (36 - tt);
						}
						out++;
						/* adapt() */
						unsigned long long d = h == basic ? delta / 700 : delta / 2, kk = 0;
						d += d / (h + 1);
						while (d > 455) {
							d /= 35;
							kk += 36;
						}
						bias = kk + 36 * d / (d + 38);
						delta = 0;
						h++;
					}
				}
				delta++;
				nn++;
			}
			total += out;
		}
		if (j >= len)
			break;
		total++; /* the '.' that replaced the separator */
		i = j + 1;
	}
	return total;
}

/* twitter-text's isValidUrl for a domain (idna.toAscii): a domain spelt
 * "xn--..." must hold an ASCII domain, and every label must come to 1..63
 * characters once punycode-encoded. */
static int domain_ok(const uint16_t *d, size_t len)
{
	size_t ms, me;
	if (len >= 4 && d[0] == 'x' && d[1] == 'n' && d[2] == '-' && d[3] == '-' &&
	    !ascii_domain_find(d, len, 0, &ms, &me))
		return 0;
	for (size_t i = 0; i <= len;) {
		size_t j = i;
		while (j < len && d[j] != '.')
			j++;
		size_t pl = puny_len(d + i, j - i);
		if (pl < 1 || pl > 63)
			return 0;
		i = j + 1;
	}
	return 1;
}

/* Offset of the first occurrence of needle in h[from..len) (indexOf), or NONE. */
static size_t index_of(const uint16_t *h, size_t len, const uint16_t *needle, size_t nlen, size_t from)
{
	for (size_t i = from; i + nlen <= len; i++)
		if (memcmp(h + i, needle, nlen * sizeof *h) == 0)
			return i;
	return NONE;
}

#define MAX_URL_LENGTH 4096
#define MAX_TCO_SLUG_LENGTH 40

/* What extractUrlsWithIndices makes of one match (before: the preceding
 * code unit, or NONE at the start of the text). */
static void url_found(const uint16_t *t, const struct urlmatch *m, size_t before, struct spans *out)
{
	size_t len = m->end - m->start, dlen = m->dom_end - m->dom_start;
	if ((m->proto ? m->proto : 8) + len > MAX_URL_LENGTH || !domain_ok(t + m->dom_start, dlen))
		return;
	if (!m->proto) {
		if (before != NONE && (t[before] == '-' || t[before] == '_' || t[before] == '.' || t[before] == '/'))
			return;
		/* Only the ASCII domains in it, each found again with indexOf. */
		const uint16_t *d = t + m->dom_start;
		size_t pos = 0, ascii_end = 0, ms, me;
		struct span *last = NULL;
		while (ascii_domain_find(d, dlen, pos, &ms, &me)) {
			size_t at = index_of(d, dlen, d + ms, me - ms, ascii_end);
			ascii_end = at + (me - ms);
			last = span_push(out, ENT_URL, m->dom_start + at, m->dom_start + ascii_end);
			pos = me;
		}
		if (last && m->has_path) {
			last->skip = last->end - last->start + (m->end - m->dom_end);
			last->end = m->end;
		}
		return;
	}
	/* t.co links stop after the slug (and its query). */
	size_t i = m->dom_start;
	if (m->end - i >= 6 && (t[i] | 32) == 't' && t[i + 1] == '.' && (t[i + 2] | 32) == 'c' &&
	    (t[i + 3] | 32) == 'o' && t[i + 4] == '/') {
		size_t j = i + 5;
		while (j < m->end && (is_alpha_ascii(t[j]) || is_digit(t[j])))
			j++;
		if (j > i + 5) {
			if (j - (i + 5) > MAX_TCO_SLUG_LENGTH)
				return;
			if (j < m->end && t[j] == '?')
				j = query_end(t, m->end, j);
			span_push(out, ENT_URL, m->start, j);
			return;
		}
	}
	span_push(out, ENT_URL, m->start, m->end);
}

/* extractUrlsWithIndices(text) in UTF-16 offsets, in order. */
static void find_urls(const uint16_t *t, size_t n, struct spans *out)
{
	int dot = 0;
	for (size_t i = 0; i < n && !dot; i++)
		dot = t[i] == '.';
	if (!dot)
		return;
	struct urlctx c;
	memset(&c, 0, sizeof c);
	c.t = t;
	c.n = n;
	size_t p = 0;
	while (p < n) {
		struct urlmatch m;
		size_t before;
		if (IS(url_preceding, t[p]) && url_at(&c, p + 1, &m))
			before = p;
		else if (p == 0 && url_at(&c, 0, &m))
			before = NONE;
		else {
			p++;
			continue;
		}
		url_found(t, &m, before, out);
		p = m.end;
	}
}

/* ---- Emoji (twemoji-parser 11) ----------------------------------------- */

/* The alternatives of twemoji-parser's expression, in its order; each
 * returns the length of its match at the cursor, or 0. */

static const unsigned e_skin[][2] = {{0x1F3FB, 0x1F3FF}};
static const unsigned e_man_woman[][2] = {{0x1F468, 0x1F469}};
static const unsigned e_boy_girl[][2] = {{0x1F466, 0x1F467}};
static const unsigned e_gender[][2] = {{0x2640, 0x2640}, {0x2642, 0x2642}};
static const unsigned e_prof[][2] = {{0x1F33E, 0x1F33E}, {0x1F373, 0x1F373}, {0x1F393, 0x1F393}, {0x1F3A4, 0x1F3A4},
				     {0x1F3A8, 0x1F3A8}, {0x1F3EB, 0x1F3EB}, {0x1F3ED, 0x1F3ED}, {0x1F4BB, 0x1F4BC},
				     {0x1F527, 0x1F527}, {0x1F52C, 0x1F52C}, {0x1F680, 0x1F680}, {0x1F692, 0x1F692},
				     {0x1F9B0, 0x1F9B3}};
static const unsigned e_prof_text[][2] = {{0x2695, 0x2696}, {0x2708, 0x2708}};
static const unsigned e_gender_mod[][2] = {{0x26F9, 0x26F9}, {0x1F3CB, 0x1F3CC}, {0x1F574, 0x1F575}};
static const unsigned e_gender_lead[][2] = {
    {0x1F3C3, 0x1F3C4}, {0x1F3CA, 0x1F3CA}, {0x1F46E, 0x1F46E}, {0x1F471, 0x1F471}, {0x1F473, 0x1F473},
    {0x1F477, 0x1F477}, {0x1F481, 0x1F482}, {0x1F486, 0x1F487}, {0x1F645, 0x1F647}, {0x1F64B, 0x1F64B},
    {0x1F64D, 0x1F64E}, {0x1F6A3, 0x1F6A3}, {0x1F6B4, 0x1F6B6}, {0x1F926, 0x1F926}, {0x1F935, 0x1F935},
    {0x1F937, 0x1F939}, {0x1F93D, 0x1F93E}, {0x1F9B8, 0x1F9B9}, {0x1F9D6, 0x1F9DD}};
static const unsigned e_keycap[][2] = {{'#', '#'}, {'*', '*'}, {'0', '9'}};
static const unsigned e_vs16_only[][2] = {{0xA9, 0xA9}, {0xAE, 0xAE}, {0x2122, 0x2122}, {0x265F, 0x265F}};
static const unsigned e_text_default[][2] = {
    {0x203C, 0x203C},	{0x2049, 0x2049},   {0x2139, 0x2139},	{0x2194, 0x2199},   {0x21A9, 0x21AA},
    {0x231A, 0x231B},	{0x2328, 0x2328},   {0x23CF, 0x23CF},	{0x23ED, 0x23EF},   {0x23F1, 0x23F2},
    {0x23F8, 0x23FA},	{0x24C2, 0x24C2},   {0x25AA, 0x25AB},	{0x25B6, 0x25B6},   {0x25C0, 0x25C0},
    {0x25FB, 0x25FE},	{0x2600, 0x2604},   {0x260E, 0x260E},	{0x2611, 0x2611},   {0x2614, 0x2615},
    {0x2618, 0x2618},	{0x2620, 0x2620},   {0x2622, 0x2623},	{0x2626, 0x2626},   {0x262A, 0x262A},
    {0x262E, 0x262F},	{0x2638, 0x263A},   {0x2640, 0x2640},	{0x2642, 0x2642},   {0x2648, 0x2653},
    {0x2660, 0x2660},	{0x2663, 0x2663},   {0x2665, 0x2666},	{0x2668, 0x2668},   {0x267B, 0x267B},
    {0x267F, 0x267F},	{0x2692, 0x2697},   {0x2699, 0x2699},	{0x269B, 0x269C},   {0x26A0, 0x26A1},
    {0x26AA, 0x26AB},	{0x26B0, 0x26B1},   {0x26BD, 0x26BE},	{0x26C4, 0x26C5},   {0x26C8, 0x26C8},
    {0x26CF, 0x26CF},	{0x26D1, 0x26D1},   {0x26D3, 0x26D4},	{0x26E9, 0x26EA},   {0x26F0, 0x26F5},
    {0x26F8, 0x26F8},	{0x26FA, 0x26FA},   {0x26FD, 0x26FD},	{0x2702, 0x2702},   {0x2708, 0x2709},
    {0x270F, 0x270F},	{0x2712, 0x2712},   {0x2714, 0x2714},	{0x2716, 0x2716},   {0x271D, 0x271D},
    {0x2721, 0x2721},	{0x2733, 0x2734},   {0x2744, 0x2744},	{0x2747, 0x2747},   {0x2757, 0x2757},
    {0x2763, 0x2764},	{0x27A1, 0x27A1},   {0x2934, 0x2935},	{0x2B05, 0x2B07},   {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},	{0x2B55, 0x2B55},   {0x3030, 0x3030},	{0x303D, 0x303D},   {0x3297, 0x3297},
    {0x3299, 0x3299},	{0x1F004, 0x1F004}, {0x1F170, 0x1F171}, {0x1F17E, 0x1F17F}, {0x1F202, 0x1F202},
    {0x1F21A, 0x1F21A}, {0x1F22F, 0x1F22F}, {0x1F237, 0x1F237}, {0x1F321, 0x1F321}, {0x1F324, 0x1F32C},
    {0x1F336, 0x1F336}, {0x1F37D, 0x1F37D}, {0x1F396, 0x1F397}, {0x1F399, 0x1F39B}, {0x1F39E, 0x1F39F},
    {0x1F3CD, 0x1F3CE}, {0x1F3D4, 0x1F3DF}, {0x1F3F3, 0x1F3F3}, {0x1F3F5, 0x1F3F5}, {0x1F3F7, 0x1F3F7},
    {0x1F43F, 0x1F43F}, {0x1F441, 0x1F441}, {0x1F4FD, 0x1F4FD}, {0x1F549, 0x1F54A}, {0x1F56F, 0x1F570},
    {0x1F573, 0x1F573}, {0x1F576, 0x1F579}, {0x1F587, 0x1F587}, {0x1F58A, 0x1F58D}, {0x1F5A5, 0x1F5A5},
    {0x1F5A8, 0x1F5A8}, {0x1F5B1, 0x1F5B2}, {0x1F5BC, 0x1F5BC}, {0x1F5C2, 0x1F5C4}, {0x1F5D1, 0x1F5D3},
    {0x1F5DC, 0x1F5DE}, {0x1F5E1, 0x1F5E1}, {0x1F5E3, 0x1F5E3}, {0x1F5E8, 0x1F5E8}, {0x1F5EF, 0x1F5EF},
    {0x1F5F3, 0x1F5F3}, {0x1F5FA, 0x1F5FA}, {0x1F6CB, 0x1F6CB}, {0x1F6CD, 0x1F6CF}, {0x1F6E0, 0x1F6E5},
    {0x1F6E9, 0x1F6E9}, {0x1F6F0, 0x1F6F0}, {0x1F6F3, 0x1F6F3}};
static const unsigned e_mod_text[][2] = {{0x261D, 0x261D},   {0x26F7, 0x26F7},	 {0x26F9, 0x26F9},  {0x270C, 0x270D},
					 {0x1F3CB, 0x1F3CC}, {0x1F574, 0x1F575}, {0x1F590, 0x1F590}};
static const unsigned e_mod[][2] = {
    {0x270A, 0x270B},	{0x1F385, 0x1F385}, {0x1F3C2, 0x1F3C4}, {0x1F3C7, 0x1F3C7}, {0x1F3CA, 0x1F3CA},
    {0x1F442, 0x1F443}, {0x1F446, 0x1F450}, {0x1F466, 0x1F469}, {0x1F46E, 0x1F46E}, {0x1F470, 0x1F478},
    {0x1F47C, 0x1F47C}, {0x1F481, 0x1F483}, {0x1F485, 0x1F487}, {0x1F4AA, 0x1F4AA}, {0x1F57A, 0x1F57A},
    {0x1F595, 0x1F596}, {0x1F645, 0x1F647}, {0x1F64B, 0x1F64F}, {0x1F6A3, 0x1F6A3}, {0x1F6B4, 0x1F6B6},
    {0x1F6C0, 0x1F6C0}, {0x1F6CC, 0x1F6CC}, {0x1F918, 0x1F91C}, {0x1F91E, 0x1F91F}, {0x1F926, 0x1F926},
    {0x1F930, 0x1F939}, {0x1F93D, 0x1F93E}, {0x1F9B5, 0x1F9B6}, {0x1F9B8, 0x1F9B9}, {0x1F9D1, 0x1F9DD}};
static const unsigned e_single[][2] = {
    {0x23E9, 0x23EC},	{0x23F0, 0x23F0},   {0x23F3, 0x23F3},	{0x267E, 0x267E},   {0x26CE, 0x26CE},
    {0x2705, 0x2705},	{0x2728, 0x2728},   {0x274C, 0x274C},	{0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2795, 0x2797},	{0x27B0, 0x27B0},   {0x27BF, 0x27BF},	{0xE50A, 0xE50A},   {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F1E6, 0x1F1FF}, {0x1F201, 0x1F201}, {0x1F232, 0x1F236},
    {0x1F238, 0x1F23A}, {0x1F250, 0x1F251}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C},
    {0x1F37E, 0x1F384}, {0x1F386, 0x1F393}, {0x1F3A0, 0x1F3C1}, {0x1F3C5, 0x1F3C6}, {0x1F3C8, 0x1F3C9},
    {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440},
    {0x1F444, 0x1F445}, {0x1F451, 0x1F465}, {0x1F46A, 0x1F46D}, {0x1F46F, 0x1F46F}, {0x1F479, 0x1F47B},
    {0x1F47D, 0x1F480}, {0x1F484, 0x1F484}, {0x1F488, 0x1F4A9}, {0x1F4AB, 0x1F4FC}, {0x1F4FF, 0x1F53D},
    {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F644}, {0x1F648, 0x1F64A},
    {0x1F680, 0x1F6A2}, {0x1F6A4, 0x1F6B3}, {0x1F6B7, 0x1F6BF}, {0x1F6C1, 0x1F6C5}, {0x1F6D0, 0x1F6D2},
    {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6F9}, {0x1F910, 0x1F917}, {0x1F91D, 0x1F91D}, {0x1F920, 0x1F925},
    {0x1F927, 0x1F92F}, {0x1F93A, 0x1F93A}, {0x1F93C, 0x1F93C}, {0x1F940, 0x1F945}, {0x1F947, 0x1F970},
    {0x1F973, 0x1F976}, {0x1F97A, 0x1F97A}, {0x1F97C, 0x1F9A2}, {0x1F9B4, 0x1F9B4}, {0x1F9B7, 0x1F9B7},
    {0x1F9C0, 0x1F9C2}, {0x1F9D0, 0x1F9D0}, {0x1F9DE, 0x1F9FF}};
/* Valid flags: bit b of e_flag_pairs[a] for regional indicators a, b. */
static const unsigned e_flag_pairs[26] = {0x2df597c, 0x36f7bfb, 0x3f2fded, 0x2005650, 0x1e00d5,	 0x25700,   0x15fb9fb,
					  0x1a3400,  0xf781c,	0xd010,	   0x342b1d0, 0x13e0507, 0x3fffcfd, 0x212c975,
					  0x1000,    0x14e3cf1, 0x1,	   0x544010,  0x3ae7fdf, 0x26a7eed, 0x3043041,
					  0x102155,  0x40020,	0x400,	   0x80010,   0x401001};

/* Fixed ZWJ sequences, in the expression's order; 1 and 2 stand for "boy
 * or girl" and "man or woman". */
#define E_BG 1u
#define E_MW 2u
static const unsigned e_zwj_seqs[][8] = {
    {0x1F468, 0x200D, 0x2764, 0xFE0F, 0x200D, 0x1F48B, 0x200D, 0x1F468},
    {0x1F468, 0x200D, 0x1F468, 0x200D, 0x1F466, 0x200D, 0x1F466},
    {0x1F468, 0x200D, 0x1F468, 0x200D, 0x1F467, 0x200D, E_BG},
    {0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F466, 0x200D, 0x1F466},
    {0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F467, 0x200D, E_BG},
    {0x1F469, 0x200D, 0x2764, 0xFE0F, 0x200D, 0x1F48B, 0x200D, E_MW},
    {0x1F469, 0x200D, 0x1F469, 0x200D, 0x1F466, 0x200D, 0x1F466},
    {0x1F469, 0x200D, 0x1F469, 0x200D, 0x1F467, 0x200D, E_BG},
    {0x1F468, 0x200D, 0x2764, 0xFE0F, 0x200D, 0x1F468},
    {0x1F468, 0x200D, 0x1F466, 0x200D, 0x1F466},
    {0x1F468, 0x200D, 0x1F467, 0x200D, E_BG},
    {0x1F468, 0x200D, 0x1F468, 0x200D, E_BG},
    {0x1F468, 0x200D, 0x1F469, 0x200D, E_BG},
    {0x1F469, 0x200D, 0x2764, 0xFE0F, 0x200D, E_MW},
    {0x1F469, 0x200D, 0x1F466, 0x200D, 0x1F466},
    {0x1F469, 0x200D, 0x1F467, 0x200D, E_BG},
    {0x1F469, 0x200D, 0x1F469, 0x200D, E_BG},
    {0x1F3F3, 0xFE0F, 0x200D, 0x1F308},
    {0x1F3F4, 0x200D, 0x2620, 0xFE0F},
    {0x1F441, 0x200D, 0x1F5E8},
    {0x1F468, 0x200D, E_BG},
    {0x1F469, 0x200D, E_BG},
    {0x1F46F, 0x200D, 0x2640, 0xFE0F},
    {0x1F46F, 0x200D, 0x2642, 0xFE0F},
    {0x1F93C, 0x200D, 0x2640, 0xFE0F},
    {0x1F93C, 0x200D, 0x2642, 0xFE0F},
    {0x1F9DE, 0x200D, 0x2640, 0xFE0F},
    {0x1F9DE, 0x200D, 0x2642, 0xFE0F},
    {0x1F9DF, 0x200D, 0x2640, 0xFE0F},
    {0x1F9DF, 0x200D, 0x2642, 0xFE0F},
};
/* England, Scotland, Wales: black flag + tags g b (e n g | s c t | w l s) + cancel. */
static const unsigned e_tag_flags[][3] = {
    {0xE0065, 0xE006E, 0xE0067}, {0xE0073, 0xE0063, 0xE0074}, {0xE0077, 0xE006C, 0xE0073}};

struct cur {
	const uint16_t *t;
	size_t n, i;
};

static unsigned peek(const struct cur *c)
{
	size_t l;
	return cp_at(c->t, c->n, c->i, &l);
}

static int take(struct cur *c, unsigned cp)
{
	size_t l;
	if (cp_at(c->t, c->n, c->i, &l) != cp)
		return 0;
	c->i += l;
	return 1;
}

static int take_in(struct cur *c, const unsigned (*r)[2], size_t nr)
{
	size_t l;
	unsigned cp = cp_at(c->t, c->n, c->i, &l);
	if (!l || !in_ranges(cp, r, nr))
		return 0;
	c->i += l;
	return 1;
}
#define TAKE_IN(c, r) take_in((c), (r), sizeof(r) / sizeof((r)[0]))

/* (?:\ufe0f|(?!\ufe0e)) */
static int vs16_or_not_vs15(struct cur *c)
{
	return take(c, 0xFE0F) || peek(c) != 0xFE0E;
}

static size_t emoji_at(const uint16_t *t, size_t n, size_t i)
{
	size_t l;
	unsigned c0 = cp_at(t, n, i, &l);
	struct cur c = {t, n, i};
	/* Only these can start a match; the first three start one alternative. */
	if (c0 == '#' || c0 == '*' || is_digit(c0)) {
		c.i += l;
		take(&c, 0xFE0F);
		return take(&c, 0x20E3) ? c.i - i : 0;
	}
	if (c0 == 0xA9 || c0 == 0xAE)
		return take(&c, c0) && take(&c, 0xFE0F) ? 2 : 0;
	if (c0 == 0xFE0F)
		return 1;
	if (!((c0 >= 0x203C && c0 <= 0x3299) || c0 == 0xE50A || (c0 >= 0x1F000 && c0 <= 0x1FAFF)))
		return 0;
	/* Man or woman, skin tone, ZWJ, profession. */
	if (TAKE_IN(&c, e_man_woman)) {
		TAKE_IN(&c, e_skin);
		if (take(&c, 0x200D) && ((TAKE_IN(&c, e_prof_text) && take(&c, 0xFE0F)) || TAKE_IN(&c, e_prof)))
			return c.i - i;
	}
	/* Person (text default) with skin tone or VS16, ZWJ, gender. */
	c.i = i;
	if (TAKE_IN(&c, e_gender_mod) && (TAKE_IN(&c, e_skin) || take(&c, 0xFE0F)) && take(&c, 0x200D) &&
	    TAKE_IN(&c, e_gender) && take(&c, 0xFE0F))
		return c.i - i;
	/* Person, skin tone, ZWJ, gender. */
	c.i = i;
	if (TAKE_IN(&c, e_gender_lead)) {
		TAKE_IN(&c, e_skin);
		if (take(&c, 0x200D) && TAKE_IN(&c, e_gender) && take(&c, 0xFE0F))
			return c.i - i;
	}
	/* Fixed ZWJ sequences. */
	for (size_t k = 0; k < sizeof e_zwj_seqs / sizeof e_zwj_seqs[0]; k++) {
		if (e_zwj_seqs[k][0] != c0)
			continue;
		c.i = i;
		size_t j = 0;
		for (; j < 8 && e_zwj_seqs[k][j]; j++) {
			unsigned want = e_zwj_seqs[k][j];
			int ok = want == E_BG	? TAKE_IN(&c, e_boy_girl)
				 : want == E_MW ? TAKE_IN(&c, e_man_woman)
						: take(&c, want);
			if (!ok)
				break;
		}
		if (j == 8 || !e_zwj_seqs[k][j])
			return c.i - i;
	}
	/* Keycaps. */
	c.i = i;
	if (TAKE_IN(&c, e_keycap)) {
		take(&c, 0xFE0F);
		if (take(&c, 0x20E3))
			return c.i - i;
	}
	/* ©, ®, ™, ♟ only with VS16. */
	c.i = i;
	if (TAKE_IN(&c, e_vs16_only) && take(&c, 0xFE0F))
		return c.i - i;
	/* Text-default symbols, unless followed by VS15. */
	c.i = i;
	if (TAKE_IN(&c, e_text_default) && vs16_or_not_vs15(&c))
		return c.i - i;
	/* Skin-tone modifiable, with an optional skin tone. */
	c.i = i;
	if ((TAKE_IN(&c, e_mod_text) && vs16_or_not_vs15(&c)) || (c.i = i, TAKE_IN(&c, e_mod))) {
		TAKE_IN(&c, e_skin);
		return c.i - i;
	}
	/* Subdivision flags, country flags, single code points. */
	c.i = i;
	if (take(&c, 0x1F3F4) && take(&c, 0xE0067) && take(&c, 0xE0062)) {
		size_t at = c.i;
		for (size_t k = 0; k < 3; k++) {
			c.i = at;
			if (take(&c, e_tag_flags[k][0]) && take(&c, e_tag_flags[k][1]) && take(&c, e_tag_flags[k][2]) &&
			    take(&c, 0xE007F))
				return c.i - i;
		}
	}
	if (c0 >= 0x1F1E6 && c0 <= 0x1F1FF) {
		size_t l2;
		unsigned c1 = cp_at(t, n, i + l, &l2);
		if (c1 >= 0x1F1E6 && c1 <= 0x1F1FF && (e_flag_pairs[c0 - 0x1F1E6] >> (c1 - 0x1F1E6) & 1))
			return l + l2;
	}
	if (IN(c0, e_single))
		return l;
	return c0 == 0xFE0F ? 1 : 0;
}

/* twemoji-parser's parse(): every match, in order. */
static void find_emoji(const uint16_t *t, size_t n, struct spans *out)
{
	for (size_t i = 0; i < n;) {
		unsigned u = t[i];
		/* Nothing below U+203C starts an emoji but # * 0-9 © ®. */
		if (u < 0x203C && u != 0xA9 && u != 0xAE && u != '#' && u != '*' && !is_digit(u)) {
			i++;
			continue;
		}
		size_t l = emoji_at(t, n, i);
		if (l) {
			span_push(out, ENT_URL, i, i + l);
			i += l;
		} else {
			i++;
		}
	}
}

/* ---- Mentions, hashtags, cashtags ------------------------------------- */

static int at_sign(unsigned u)
{
	return u == '@' || u == 0xFF20;
}

static int hash_sign(unsigned u)
{
	return u == '#' || u == 0xFF03;
}

static int word_ascii(unsigned u)
{
	return is_alpha_ascii(u) || is_digit(u) || u == '_';
}

static int has_scheme_sep(const uint16_t *t, size_t n, size_t i)
{
	return i + 3 <= n && t[i] == ':' && t[i + 1] == '/' && t[i + 2] == '/';
}

/* [@＠][a-zA-Z0-9_]{1,20}(/[a-zA-Z][a-zA-Z0-9_-]{0,24})? at t[i]: the end, or NONE. */
static size_t mention_body(const uint16_t *t, size_t n, size_t i)
{
	if (i >= n || !at_sign(t[i]))
		return NONE;
	size_t j = i + 1;
	while (j < n && j - (i + 1) < 20 && word_ascii(t[j]))
		j++;
	if (j == i + 1)
		return NONE;
	if (j + 1 < n && t[j] == '/' && is_alpha_ascii(t[j + 1])) {
		size_t k = j + 2;
		while (k < n && k - (j + 2) < 24 && (word_ascii(t[k]) || t[k] == '-'))
			k++;
		j = k;
	}
	return j;
}

/* rt|RT|rT|Rt, then an optional ':', then the mention: the '@' position. */
static size_t mention_after_rt(const uint16_t *t, size_t n, size_t i)
{
	if (i + 2 > n || (t[i] | 32) != 'r' || (t[i + 1] | 32) != 't')
		return NONE;
	if (i + 2 < n && t[i + 2] == ':' && mention_body(t, n, i + 3) != NONE)
		return i + 3;
	return mention_body(t, n, i + 2) != NONE ? i + 2 : NONE;
}

/* extractMentionsOrListsWithIndices. */
static void find_mentions(const uint16_t *t, size_t n, struct spans *out)
{
	int any = 0;
	for (size_t i = 0; i < n && !any; i++)
		any = at_sign(t[i]);
	if (!any)
		return;
	size_t p = 0;
	while (p < n) {
		size_t at = NONE;
		unsigned u = t[p];
		if (p == 0 && mention_body(t, n, 0) != NONE)
			at = 0;
		else if (!(word_ascii(u) || u == '!' || u == '#' || u == '$' || u == '%' || u == '&' || u == '*' ||
			   at_sign(u)) &&
			 mention_body(t, n, p + 1) != NONE)
			at = p + 1;
		else if (p == 0 && (at = mention_after_rt(t, n, 0)) != NONE)
			;
		else if (!(word_ascii(u) || u == '+' || u == '~' || u == '.' || u == '-'))
			at = mention_after_rt(t, n, p + 1);
		if (at == NONE) {
			p++;
			continue;
		}
		size_t e = mention_body(t, n, at);
		if (!(e < n && (at_sign(t[e]) || IS(latin_accent, t[e]) || has_scheme_sep(t, n, e))))
			span_push(out, ENT_MENTION, at, e);
		p = e;
	}
}

static int hashtag_class(unsigned cp, const unsigned *bmp, const unsigned (*astral)[2], unsigned long na)
{
	if (cp < 0x10000)
		return (bmp[cp >> 5] >> (cp & 31)) & 1u;
	return in_ranges(cp, astral, na);
}
#define HT_ALNUM(cp)                                                                                                   \
	hashtag_class((cp), twitter_class_hashtag_alnum_bmp, twitter_class_hashtag_alnum_astral,                       \
		      twitter_class_hashtag_alnum_astral_count)
#define HT_ALPHA(cp)                                                                                                   \
	hashtag_class((cp), twitter_class_hashtag_alpha_bmp, twitter_class_hashtag_alpha_astral,                       \
		      twitter_class_hashtag_alpha_astral_count)

/* [#＃](?!\ufe0f|\u20e3)(alnum* alpha alnum*) at t[h]: the end, or NONE. */
static size_t hashtag_body(const uint16_t *t, size_t n, size_t h)
{
	if (h >= n || !hash_sign(t[h]) || (h + 1 < n && (t[h + 1] == 0xFE0F || t[h + 1] == 0x20E3)))
		return NONE;
	size_t j = h + 1, l;
	int alpha = 0;
	for (;;) {
		unsigned cp = cp_at(t, n, j, &l);
		if (!l || IS_HI(cp) || IS_LO(cp) || !HT_ALNUM(cp))
			break;
		alpha |= HT_ALPHA(cp);
		j += l;
	}
	return alpha ? j : NONE;
}

/* extractHashtagsWithIndices without the URL overlap check (as
 * extractEntitiesWithIndices calls it). */
static void find_hashtags(const uint16_t *t, size_t n, struct spans *out)
{
	int any = 0;
	for (size_t i = 0; i < n && !any; i++)
		any = hash_sign(t[i]);
	if (!any)
		return;
	size_t p = 0;
	while (p < n) {
		/* The boundary before the sign: ^, VS15, VS16, or a code point that
		 * is neither a hashtag character nor '&' (tried in that order). */
		size_t h = NONE, e = NONE, l;
		if (p == 0 && (e = hashtag_body(t, n, 0)) != NONE)
			h = 0;
		else if ((t[p] == 0xFE0E || t[p] == 0xFE0F) && (e = hashtag_body(t, n, p + 1)) != NONE)
			h = p + 1;
		else {
			unsigned cp = cp_at(t, n, p, &l);
			if (!(IS_HI(cp) || IS_LO(cp)) && !HT_ALNUM(cp) && cp != '&' &&
			    (e = hashtag_body(t, n, p + l)) != NONE)
				h = p + l;
		}
		if (h == NONE) {
			p++;
			continue;
		}
		if (!(e < n && (hash_sign(t[e]) || has_scheme_sep(t, n, e))))
			span_push(out, ENT_HASHTAG, h, e);
		p = e;
	}
}

/* (?=$|\s|[punct]) */
static int cashtag_boundary(const uint16_t *t, size_t n, size_t x)
{
	return x >= n || IS(js_space, t[x]) || IS(punct, t[x]);
}

/* \$[a-z]{1,6}(?:[._][a-z]{1,2})?(?=boundary) at t[d]: the end, or NONE. */
static size_t cashtag_body(const uint16_t *t, size_t n, size_t d)
{
	if (d >= n || t[d] != '$')
		return NONE;
	size_t q = d + 1;
	while (q < n && q - (d + 1) <= 6 && is_alpha_ascii(t[q]))
		q++;
	if (q == d + 1 || q - (d + 1) > 6)
		return NONE;
	if (q + 1 < n && (t[q] == '.' || t[q] == '_')) {
		size_t r = q + 1;
		while (r < n && is_alpha_ascii(t[r]))
			r++;
		if (r > q + 1 && r - (q + 1) <= 2 && cashtag_boundary(t, n, r))
			return r;
	}
	return cashtag_boundary(t, n, q) ? q : NONE;
}

/* extractCashtagsWithIndices. */
static void find_cashtags(const uint16_t *t, size_t n, struct spans *out)
{
	int any = 0;
	for (size_t i = 0; i < n && !any; i++)
		any = t[i] == '$';
	if (!any)
		return;
	size_t p = 0;
	while (p < n) {
		size_t d = NONE, e = NONE;
		if (p == 0 && (e = cashtag_body(t, n, 0)) != NONE)
			d = 0;
		else if (IS(spaces, t[p]) && (e = cashtag_body(t, n, p + 1)) != NONE)
			d = p + 1;
		if (d == NONE) {
			p++;
			continue;
		}
		span_push(out, ENT_CASHTAG, d, e);
		p = e;
	}
}

/* ---- The count --------------------------------------------------------- */

/* The v3 weights: these ranges 100 (one character), everything else 200. */
static long char_weight(unsigned u)
{
	return u <= 0x10FF || (u >= 0x2000 && u <= 0x200D) || (u >= 0x2010 && u <= 0x201F) ||
		       (u >= 0x2032 && u <= 0x2037)
		   ? 100
		   : 200;
}

/* U+FFFE, U+FEFF, U+FFFF: what hasInvalidCharacters refuses. */
static int invalid_char(unsigned u)
{
	return u == 0xFFFE || u == 0xFEFF || u == 0xFFFF;
}

/* parseTweet's loop over the NFC text: the weighted length (in hundredths)
 * and the last code unit that still fits (*fit, NONE when none does). A URL
 * skips as many code units as its reported string is long. Unlike
 * parseTweet's validRangeEnd, an invalid character does not end the range
 * that fits: kanal reports such characters as a problem of their own. */
static long weigh(const uint16_t *t, size_t n, const struct spans *urls, const struct spans *emoji, long url_weight,
		  long max_chars, size_t *fit)
{
	long w = 0;
	size_t ku = 0, ke = 0;
	*fit = NONE;
	for (size_t ci = 0; ci < n; ci++) {
		while (ku < urls->n && urls->v[ku].start < ci)
			ku++;
		while (ke < emoji->n && emoji->v[ke].start < ci)
			ke++;
		if (ku < urls->n && urls->v[ku].start == ci) {
			w += url_weight * 100;
			ci += urls->v[ku].skip - 1;
		} else if (ke < emoji->n && emoji->v[ke].start == ci) {
			w += 200;
			ci = emoji->v[ke].end - 1;
		} else {
			if (ci + 1 < n && IS_HI(t[ci]) && IS_LO(t[ci + 1]))
				ci++;
			w += char_weight(t[ci]);
		}
		if (w <= max_chars * 100)
			*fit = ci;
	}
	return w;
}

/* removeOverlappingEntities over urls, mentions, hashtags and cashtags (each
 * in order): a stable sort by start, then every entity that starts before
 * the previous kept one ends is dropped. */
static void merge_entities(struct spans *lists, size_t nlists, struct spans *out)
{
	size_t idx[4] = {0, 0, 0, 0};
	size_t prev_end = 0;
	int have_prev = 0;
	for (;;) {
		size_t best = NONE;
		for (size_t k = 0; k < nlists; k++)
			if (idx[k] < lists[k].n &&
			    (best == NONE || lists[k].v[idx[k]].start < lists[best].v[idx[best]].start))
				best = k;
		if (best == NONE)
			break;
		const struct span *s = &lists[best].v[idx[best]++];
		if (have_prev && prev_end > s->start)
			continue;
		span_push(out, s->type, s->start, s->end);
		prev_end = s->end;
		have_prev = 1;
	}
}

/* The composite of code points a and b from the compositions above U+FFFF
 * that Node knows, or 0. */
static unsigned extra_composite(unsigned a, unsigned b)
{
	size_t lo = 0, hi = twitter_nfc_pairs_count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const unsigned *p = twitter_nfc_pairs[mid];
		if (a < p[0] || (a == p[0] && b < p[1]))
			hi = mid;
		else if (a > p[0] || b > p[1])
			lo = mid + 1;
		else
			return p[2];
	}
	return 0;
}

/* Compose, in place, the adjacent pairs that utf8proc left apart although
 * the reference's NFC joins them (scripts newer than utf8proc's tables).
 * Returns the new length. */
static size_t compose_extra(utf8proc_int32_t *u, size_t n)
{
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		unsigned comp;
		if (w && (unsigned)u[w - 1] >= 0x10000 &&
		    (comp = extra_composite((unsigned)u[w - 1], (unsigned)u[r])) != 0)
			u[w - 1] = (utf8proc_int32_t)comp; /* which may take a further mark */
		else
			u[w++] = u[r];
	}
	return w;
}

static int nfc_touchy(unsigned c)
{
	if (c < 0x300)
		return 0;
	if (c < 0x10000)
		return (int)IS(nfc_touchy, c);
	return in_ranges(c, twitter_class_nfc_touchy_astral, twitter_class_nfc_touchy_astral_count);
}

/* Append NFC(t[a..b)) to *out (UTF-16, growing it); 1 when it differs. */
static int nfc_chunk(const uint16_t *t, size_t a, size_t b, uint16_t **out, size_t *len, size_t *cap)
{
	/* UTF-8 for utf8proc, then decomposed, reordered and composed as
	 * utf8proc_NFC does (STABLE | COMPOSE). */
	size_t n8 = 0, l;
	for (size_t i = a; i < b; i += l) {
		unsigned c = cp_at(t, b, i, &l);
		n8 += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
	}
	utf8proc_uint8_t *u8 = xmalloc(n8 + 1);
	size_t k = 0;
	for (size_t i = a; i < b; i += l)
		k += (size_t)utf8proc_encode_char((utf8proc_int32_t)cp_at(t, b, i, &l), u8 + k);
	utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
	utf8proc_ssize_t m = utf8proc_decompose(u8, (utf8proc_ssize_t)k, NULL, 0, opt);
	utf8proc_int32_t *u32 = xmalloc(((m > 0 ? (size_t)m : 0) + 1) * sizeof *u32);
	if (m > 0)
		m = utf8proc_decompose(u8, (utf8proc_ssize_t)k, u32, m, opt);
	if (m > 0)
		m = utf8proc_normalize_utf32(u32, m, opt);
	free(u8);
	size_t cm = m > 0 ? compose_extra(u32, (size_t)m) : 0;
	size_t need = *len + (2 * cm > b - a ? 2 * cm : b - a);
	if (need > *cap) {
		*cap = 2 * need;
		*out = xrealloc(*out, *cap * sizeof **out);
	}
	if (m < 0) { /* cannot happen on valid UTF-8: keep the stretch */
		free(u32);
		memcpy(*out + *len, t + a, (b - a) * sizeof *t);
		*len += b - a;
		return 0;
	}
	size_t start = *len;
	for (size_t i = 0; i < cm; i++) {
		unsigned c = (unsigned)u32[i];
		if (c >= 0x10000) {
			c -= 0x10000;
			(*out)[(*len)++] = (uint16_t)(0xD800 + (c >> 10));
			(*out)[(*len)++] = (uint16_t)(0xDC00 + (c & 0x3FF));
		} else {
			(*out)[(*len)++] = (uint16_t)c;
		}
	}
	free(u32);
	return *len - start != b - a || memcmp(*out + start, t + a, (b - a) * sizeof *t) != 0;
}

/* The NFC form of t (UTF-16) as JavaScript's normalize() gives it, or NULL
 * when t is in NFC already (caller frees). Only the stretches that NFC can
 * touch are normalised: a code point that NFC neither changes nor combines
 * with what precedes it starts a stretch of its own, so NFC(text) is the
 * NFC of each stretch in turn. */
static uint16_t *nfc16(const uint16_t *t, size_t n, size_t *nn)
{
	uint16_t *out = NULL;
	size_t len = 0, cap = 0, copied = 0, last_inert = 0, l;
	int changed = 0;
	for (size_t i = 0; i < n;) {
		unsigned c = cp_at(t, n, i, &l);
		if (!nfc_touchy(c)) {
			last_inert = i;
			i += l;
			continue;
		}
		size_t j = i + l;
		while (j < n && nfc_touchy(cp_at(t, n, j, &l)))
			j += l;
		size_t a = last_inert >= copied ? last_inert : copied;
		if (!out) {
			cap = n + n / 2 + 16;
			out = xmalloc(cap * sizeof *out);
		}
		if (len + (a - copied) > cap) {
			cap = 2 * (len + (a - copied));
			out = xrealloc(out, cap * sizeof *out);
		}
		memcpy(out + len, t + copied, (a - copied) * sizeof *t);
		len += a - copied;
		changed |= nfc_chunk(t, a, j, &out, &len, &cap);
		copied = j;
		i = j;
	}
	if (!changed) {
		free(out);
		return NULL;
	}
	if (len + (n - copied) > cap)
		out = xrealloc(out, (len + (n - copied)) * sizeof *out);
	memcpy(out + len, t + copied, (n - copied) * sizeof *t);
	*nn = len + (n - copied);
	return out;
}

int count_x(const char *s, size_t len, const struct net_limits *lim, struct text_count *out, struct count_extra *ex)
{
	uint16_t *t;
	size_t n = to_utf16(s, len, &t);

	/* Entities in the text as given. */
	struct spans lists[4];
	memset(lists, 0, sizeof lists);
	find_urls(t, n, &lists[0]);
	find_mentions(t, n, &lists[1]);
	find_hashtags(t, n, &lists[2]);
	find_cashtags(t, n, &lists[3]);
	struct spans ents = {NULL, 0, 0};
	merge_entities(lists, 4, &ents);
	struct walker w = {s, len, 0, 0};
	for (size_t k = 0; k < ents.n; k++) {
		size_t bs = walk_to(&w, ents.v[k].start);
		size_t be = walk_to(&w, ents.v[k].end);
		text_push_entity(out, ents.v[k].type, bs, be);
		if (ents.v[k].type == ENT_URL)
			ex->links++;
		else if (ents.v[k].type == ENT_MENTION)
			ex->mentions++;
		else if (ents.v[k].type == ENT_HASHTAG)
			ex->hashtags++;
	}

	/* The weight of the NFC text. */
	size_t nn = n;
	uint16_t *nt = nfc16(t, n, &nn);
	struct spans nurls = {NULL, 0, 0}, emoji = {NULL, 0, 0};
	const struct spans *urls = &lists[0];
	if (nt) {
		find_urls(nt, nn, &nurls);
		urls = &nurls;
	} else {
		nt = t;
		nn = n;
	}
	find_emoji(nt, nn, &emoji);
	size_t fit;
	long weighted = weigh(nt, nn, urls, &emoji, lim->url_weight, lim->max_chars, &fit);
	out->length = weighted / 100;
	out->limit = lim->max_chars;

	/* Past the limit: parseTweet's validRangeEnd (the last code unit that
	 * fits, shifted by the difference NFC made to the length) maps back to
	 * the text as given. */
	if (out->length > out->limit) {
		long long end16 = fit == NONE ? 0 : (long long)fit + 1 + ((long long)n - (long long)nn);
		w = (struct walker){s, len, 0, 0};
		ex->over_at = end16 <= 0 ? 0 : walk_to(&w, (size_t)end16);
	}
	for (size_t i = 0; i < n; i++) {
		if (invalid_char(t[i])) {
			w = (struct walker){s, len, 0, 0};
			ex->invalid_at = walk_to(&w, i);
			break;
		}
	}

	for (size_t k = 0; k < 4; k++)
		spans_free(&lists[k]);
	spans_free(&ents);
	spans_free(&nurls);
	spans_free(&emoji);
	if (nt != t)
		free(nt);
	free(t);
	return 0;
}
