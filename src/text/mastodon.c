/* mastodon: the count a Mastodon server applies (StatusLengthValidator)
 * and the entities its formatter links: URLs with a scheme, local and
 * remote mentions, hashtags. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "text/internal.h"

/* What the server does (app/validators/status_length_validator.rb,
 * app/lib/extractor.rb, config/initializers/twitter_regex.rb, Account and
 * Tag::Naming, Mastodon 4.x):
 *
 *   - a blank status (only white space) counts 0;
 *   - URLs with a scheme (twitter-text's valid_url as Mastodon widens it,
 *     extract_url_without_protocol: false) and mentions are found, entities
 *     that overlap an earlier one are dropped, every URL becomes 23
 *     (characters_reserved_per_url) characters and every mention becomes
 *     "@" + its local part;
 *   - the result is counted with String#each_grapheme_cluster. Mastodon 4.x
 *     runs on Ruby 3.4, whose regexp engine has Unicode 15.0 grapheme rules
 *     without GB9c; utf8proc 2.8 has the same, so Indic conjuncts such as
 *     "क्षि" count 2 here (a server on Ruby 4.0 counts 1).
 *
 * The spoiler text, which the server adds to the count, is not part of the
 * text given here; the caller counts it separately. Not reproduced: the
 * t.co special case; IDNA ToASCII of the host beyond the 63-character
 * limit of ASCII labels (IDNA2003 refusals, punycode growth of non-ASCII
 * labels and of the 4,096-character URL cap); hosts longer than 253 bytes
 * (not scanned); Unicode case folding of 'ſ' and the Kelvin sign in user
 * names; Onigmo's exact Alphabetic property (approximated below). */

#define MAX_DOMAIN 253 /* bytes scanned for a URL's host (DNS limit) */

/* ---- character classes ---------------------------------------------------- */

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

/* The code point that ends at s[i] (i > 0). */
static unsigned cp_before(const char *s, size_t i)
{
	size_t j = i - 1;
	while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80)
		j--;
	size_t next = j;
	return text_next_cp(s, i, &next);
}

/* Onigmo's [[:space:]] (White_Space). */
static int rb_space(unsigned c)
{
	return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* [[:alpha:]] (Alphabetic). Other_Alphabetic is approximated by the marks
 * of combining class 0 (vowel signs), less the variation selectors. */
static int rb_alpha(unsigned c)
{
	if (c < 0x80)
		return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
	const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)c);
	switch (p->category) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_NL:
		return 1;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
		return p->combining_class == 0 && !(c >= 0xFE00 && c <= 0xFE0F) && !(c >= 0xE0100 && c <= 0xE01EF);
	default:
		return 0;
	}
}

/* [[:word:]]: Alphabetic, marks, decimal digits, connector punctuation. */
static int rb_word(unsigned c)
{
	if (c < 0x80)
		return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '_';
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return rb_alpha(c) || k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME ||
	       k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_PC;
}

static int ascii_alnum(unsigned c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
}

static int in_set(unsigned c, const char *set)
{
	return c > 0 && c < 0x80 && strchr(set, (int)c) != NULL;
}

/* ---- URLs (twitter-text valid_url with Mastodon's changes) ------------------ */

/* valid_url_preceding_chars: anything but [A-Z0-9@＠$#＃] (case-insensitive,
 * so 'ſ' and the Kelvin sign too) and U+FFFE, U+FEFF, U+FFFF. */
static int url_preceding(unsigned c)
{
	return !(ascii_alnum(c) || c == '@' || c == 0xFF20 || c == '$' || c == '#' || c == 0xFF03 || c == 0xFFFE ||
		 c == 0xFEFF || c == 0xFFFF || c == 0x017F || c == 0x212A);
}

/* DOMAIN_VALID_CHARS: not ASCII punctuation, a space, a control, an
 * invalid or a directional character. */
static int domain_char(unsigned c)
{
	if (c < 0x80)
		return ascii_alnum(c);
	return !(rb_space(c) || c == 0x180E || c == 0xFFFE || c == 0xFEFF || c == 0xFFFF || c == 0x061C ||
		 c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
		 c == 0x85);
}

/* A label made of domain chars with '-' (and '_' when allow_us) inside,
 * never at either end. */
static int label_ok(const char *s, size_t a, size_t b, int allow_us)
{
	if (a >= b || s[a] == '-' || s[a] == '_' || s[b - 1] == '-' || s[b - 1] == '_')
		return 0;
	for (size_t i = a; i < b; i++)
		if (s[i] == '_' && !allow_us)
			return 0;
	return 1;
}

/* valid_gTLD | valid_ccTLD (followed by [^0-9a-z@+-] or the end) |
 * valid_punycode at t; returns the end of the TLD or 0. */
static size_t tld_at(const char *s, size_t len, size_t t)
{
	size_t i = t, best = 0, next;
	while (i < len && i - t < 64) {
		unsigned c = cp_at(s, len, i, &next);
		if (!domain_char(c) && c != '-')
			break;
		i = next;
		unsigned after = cp_at(s, len, i, &next);
		if (ascii_alnum(after) || in_set(after, "@+-"))
			continue;
		if (text_tld_in(tld_twitter_generic, tld_twitter_generic_count, s + t, i - t) ||
		    text_tld_in(tld_twitter_cc, tld_twitter_cc_count, s + t, i - t))
			best = i;
	}
	if (best)
		return best;
	if (len - t > 4 && strncasecmp(s + t, "xn--", 4) == 0 && ascii_alnum((unsigned char)s[t + 4])) {
		i = t + 4;
		while (i < len && ascii_alnum((unsigned char)s[i]))
			i++;
		return i;
	}
	return 0;
}

/* valid_domain at b: subdomains* domain_name TLD, as many subdomains as
 * the text allows. Returns the end or 0. */
static size_t domain_at(const char *s, size_t len, size_t b)
{
	size_t start[64], end[64], n = 0, i = b, next;
	while (n < 64 && i < len && i - b < MAX_DOMAIN) {
		size_t a = i;
		while (i < len && i - b < MAX_DOMAIN) {
			unsigned c = cp_at(s, len, i, &next);
			if (!domain_char(c) && c != '-' && c != '_')
				break;
			i = next;
		}
		if (i == a || i >= len || s[i] != '.')
			break;
		start[n] = a;
		end[n++] = i++;
	}
	size_t subs = 0;
	while (subs < n && label_ok(s, start[subs], end[subs], 1))
		subs++;
	for (size_t m = subs < n ? subs : n - 1; n > 0; m--) {
		if (label_ok(s, start[m], end[m], 0)) {
			size_t t = tld_at(s, len, end[m] + 1);
			if (t)
				return t;
		}
		if (m == 0)
			break;
	}
	return 0;
}

/* Mastodon's valid_general_url_path_chars: [^\p{White_Space}<>()?]. */
static int path_char(unsigned c)
{
	return c && !rb_space(c) && !in_set(c, "<>()?");
}

/* Mastodon's valid_url_path_ending_chars (the single-character half). */
static int path_end_char(unsigned c)
{
	return path_char(c) && !in_set(c, "!*\"';:=,.$%[]~&|@") && c != 0x300C && c != 0x300D;
}

/* twitter-text's own valid_general_url_path_chars, which the balanced
 * parentheses inside Mastodon's ending alternative still use. */
static int old_path_char(unsigned c)
{
	if (c < 0x80)
		return ascii_alnum(c) || in_set(c, "!*';:=+,.$/%#[]-_~&|@");
	return c == 0x2013 || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x0253 && c <= 0x0254) ||
	       (c >= 0x0256 && c <= 0x0257) || c == 0x0259 || c == 0x025B || c == 0x0263 || c == 0x0268 ||
	       c == 0x026F || c == 0x0272 || c == 0x0289 || c == 0x028B || c == 0x02BB ||
	       (c >= 0x0300 && c <= 0x036F) || (c >= 0x1E00 && c <= 0x1EFF) || (c >= 0x0400 && c <= 0x052F) ||
	       (c >= 0x1C80 && c <= 0x1C8F) || (c >= 0x2DE0 && c <= 0x2DFF) || (c >= 0xA640 && c <= 0xA69F) ||
	       (c >= 0x1E030 && c <= 0x1E08F);
}

/* A run of path chars from i; *old is cleared when one is not an old one. */
static size_t path_run(const char *s, size_t len, size_t i, int *old)
{
	size_t next;
	for (;;) {
		unsigned c = cp_at(s, len, i, &next);
		if (!path_char(c))
			return i;
		if (!old_path_char(c))
			*old = 0;
		i = next;
	}
}

/* valid_url_balanced_parens at i ('('): one nested level. Returns the end
 * or 0; *old says whether twitter-text's narrower version matches too. */
static size_t balanced_at(const char *s, size_t len, size_t i, int *old)
{
	*old = 1;
	size_t a = path_run(s, len, i + 1, old);
	if (a > i + 1 && a < len && s[a] == ')')
		return a + 1;
	if (a >= len || s[a] != '(')
		return 0;
	size_t b = path_run(s, len, a + 1, old);
	if (b == a + 1 || b >= len || s[b] != ')')
		return 0;
	size_t c = path_run(s, len, b + 1, old);
	return c < len && s[c] == ')' ? c + 1 : 0;
}

/* The path after '/' at i: the longest run of path chars and balanced
 * parentheses that ends with an ending char (or old-style parentheses). */
static size_t path_at(const char *s, size_t len, size_t i)
{
	size_t good = i, next;
	while (i < len) {
		unsigned c = cp_at(s, len, i, &next);
		if (c == '(') {
			int old;
			size_t e = balanced_at(s, len, i, &old);
			if (!e)
				break;
			if (old)
				good = e;
			i = e;
		} else if (path_char(c)) {
			i = next;
			if (path_end_char(c))
				good = i;
		} else {
			break;
		}
	}
	return good;
}

/* Mastodon's UCHARS: non-ASCII except surrogates and noncharacters. */
static int uchar(unsigned c)
{
	return c >= 0xA0 && !(c >= 0xFDD0 && c <= 0xFDEF) && !(c >= 0xFFF0 && c <= 0xFFFF) && (c & 0xFFFE) != 0xFFFE &&
	       !(c >= 0xE0000 && c <= 0xE0FFF);
}

/* '?' query chars* query ending char, at i ('?'); returns the end or i. */
static size_t query_at(const char *s, size_t len, size_t i)
{
	size_t good = i, j = i + 1, next;
	while (j < len) {
		unsigned c = cp_at(s, len, j, &next);
		int ending = ascii_alnum(c) || in_set(c, "_&=#/-") || uchar(c);
		if (!ending && !in_set(c, "!?*'();:+$%[].,~|@^"))
			break;
		j = next;
		if (ending)
			good = j;
	}
	return good;
}

static const char *const schemes[] = {"https://", "http://", "dat://",	  "dweb://",  "ipfs://",
				      "ipns://",  "ssb://",  "gopher://", "gemini://"};

/* valid_url's URL group at b. Returns its end (0 when none); *scheme is
 * the length of its scheme (0 when it has none). plain = 0 skips the scheme-less domain (known to
 * fail there). */
static size_t url_at(const char *s, size_t len, size_t b, int *scheme, int plain)
{
	size_t d = 0;
	*scheme = 0;
	for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
		size_t n = strlen(schemes[k]);
		if (len - b >= n && strncasecmp(s + b, schemes[k], n) == 0) {
			d = domain_at(s, len, b + n);
			*scheme = d != 0 ? (int)n : 0;
			break;
		}
	}
	if (!d && plain)
		d = domain_at(s, len, b);
	if (!d)
		return 0;
	if (d + 1 < len && s[d] == ':' && s[d + 1] >= '0' && s[d + 1] <= '9') {
		d++;
		while (d < len && s[d] >= '0' && s[d] <= '9')
			d++;
	}
	if (d < len && s[d] == '/')
		d = path_at(s, len, d + 1);
	if (d < len && s[d] == '?')
		d = query_at(s, len, d);
	return d;
}

/* ---- entities -------------------------------------------------------------- */

struct span {
	size_t start, end;
	size_t local_end; /* mentions: end of "@user" */
	enum entity_type type;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static void add_span(struct spans *l, enum entity_type t, size_t a, size_t b, size_t local_end)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = (struct span){a, b, local_end, t};
}

/* Code points in s[0..len). */
static size_t cps(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* is_valid_domain: the host must survive IDNA ToASCII, which refuses a
 * label longer than 63 characters. Checked for ASCII labels; non-ASCII
 * ones (whose punycode length and IDNA2003 validity are not computed
 * here) pass. */
static int labels_ok(const char *s, size_t len, size_t b)
{
	size_t n = 0, next;
	int ascii = 1;
	for (size_t i = b; i <= len; i = next) {
		unsigned c = cp_at(s, len, i, &next);
		if (i == len || !(domain_char(c) || c == '-' || c == '_' || c == '.'))
			return !(ascii && n > 63);
		if (c == '.') {
			if (ascii && n > 63)
				return 0;
			n = 0;
			ascii = 1;
			continue;
		}
		n++;
		ascii &= c < 0x80;
	}
	return 1;
}

/* Whether a scheme-less domain can start at b. A label run that no dot
 * follows fails from every start inside it, so it is measured once (*run
 * keeps its end and *dot whether a dot follows); without that a long run of
 * letters without spaces (CJK) costs quadratic time. */
static int plain_may_start(const char *s, size_t len, size_t b, size_t *run, int *dot)
{
	if (b >= *run) {
		size_t i = b, next;
		while (i < len) {
			unsigned c = cp_at(s, len, i, &next);
			if (!domain_char(c) && c != '-' && c != '_')
				break;
			i = next;
		}
		*run = i > b ? i : b + 1;
		*dot = i > b && i < len && s[i] == '.';
	}
	return *dot && *run - b <= MAX_DOMAIN;
}

/* extract_urls_with_indices: a scan over valid_url; matches without a
 * scheme are consumed and dropped. */
static void find_urls(const char *s, size_t len, struct spans *l)
{
	if (!memchr(s, ':', len))
		return;
	size_t p = 0, q, run = 0;
	int dot = 0;
	while (p < len) {
		unsigned c = cp_at(s, len, p, &q);
		size_t b = 0, e = 0;
		int scheme = 0;
		if (url_preceding(c)) {
			b = q;
			e = url_at(s, len, b, &scheme, plain_may_start(s, len, b, &run, &dot));
		}
		if (!e && (p == 0 || s[p - 1] == '\n')) {
			b = p;
			e = url_at(s, len, b, &scheme, plain_may_start(s, len, b, &run, &dot));
		}
		if (!e) {
			p = q;
			continue;
		}
		if (scheme && cps(s + b, e - b) <= 4096 && labels_ok(s, len, b + (size_t)scheme))
			add_span(l, ENT_URL, b, e, e);
		p = e;
	}
}

/* Account::MENTION_RE, then Extractor's end_mention_match check:
 *   (?<![=/[:word:]])@(([a-z0-9_]+([.-]+[a-z0-9_]+)*)(?:@[[:word:]]+([.-]+[[:word:]]+)*)?) */
static size_t word_run(const char *s, size_t len, size_t i, int ascii)
{
	size_t next;
	for (;;) {
		unsigned c = cp_at(s, len, i, &next);
		if (!(ascii ? c < 0x80 && rb_word(c) : rb_word(c)))
			return i;
		i = next;
	}
}

/* [x]+([.-]+[x]+)* at i; returns the end (i when none). */
static size_t dotted_run(const char *s, size_t len, size_t i, int ascii)
{
	size_t e = word_run(s, len, i, ascii);
	if (e == i)
		return i;
	for (;;) {
		size_t j = e;
		while (j < len && (s[j] == '.' || s[j] == '-'))
			j++;
		if (j == e)
			return e;
		size_t k = word_run(s, len, j, ascii);
		if (k == j)
			return e;
		e = k;
	}
}

static void find_mentions(const char *s, size_t len, struct spans *l)
{
	size_t p = 0, next;
	while (p < len) {
		const char *at = memchr(s + p, '@', len - p);
		if (!at)
			return;
		size_t a = (size_t)(at - s);
		if (a > 0) {
			unsigned c = cp_before(s, a);
			if (c == '=' || c == '/' || rb_word(c)) {
				p = a + 1;
				continue;
			}
		}
		size_t u = dotted_run(s, len, a + 1, 1);
		if (u == a + 1) {
			p = a + 1;
			continue;
		}
		size_t e = u;
		if (u < len && s[u] == '@') {
			size_t d = dotted_run(s, len, u + 1, 0);
			if (d > u + 1)
				e = d;
		}
		unsigned c = cp_at(s, len, e, &next);
		int bad = c == '@' || c == 0xFF20 || (len - e >= 3 && memcmp(s + e, "://", 3) == 0) ||
			  (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || c == 0x253 || c == 0x254 ||
			  c == 0x256 || c == 0x257 || c == 0x259 || c == 0x25B || c == 0x263 || c == 0x268 ||
			  c == 0x26F || c == 0x272 || c == 0x289 || c == 0x28B || c == 0x2BB ||
			  (c >= 0x300 && c <= 0x36F) || (c >= 0x1E00 && c <= 0x1EFF);
		if (!bad && (e == u || cps(s + u + 1, e - u - 1) <= MAX_DOMAIN))
			add_span(l, ENT_MENTION, a, e, u);
		p = e;
	}
}

/* Tag::Naming::HASHTAG_RE:
 *   (?<=^|[[:space:]])[#＃](FIRST|LAST) with SEP = _ U+00B7 U+30FB U+200C,
 *   FIRST = [W_][W SEP]*[alpha SEP][W SEP]*[W_], LAST = [W_]*[alpha][W_]*
 * (W = [[:word:]]); a tag glued to "://" loses a trailing http/https. The
 * extractor returns nothing when the text has no ASCII '#'. */
static int tag_sep(unsigned c)
{
	return c == '_' || c == 0xB7 || c == 0x30FB || c == 0x200C;
}

static size_t hashtag_name(const char *s, size_t len, size_t i)
{
	size_t next, j = i, last_word = 0, first_sep = 0;
	int n = 0;
	/* FIRST: up to the last word char of the word/separator run, with an
	 * alpha or separator strictly inside. */
	while (j < len) {
		unsigned c = cp_at(s, len, j, &next);
		int w = rb_word(c);
		if (!w && !tag_sep(c))
			break;
		if (n == 0 && !w)
			break;
		if (n > 0 && !first_sep && (rb_alpha(c) || tag_sep(c)))
			first_sep = next;
		if (w)
			last_word = next;
		j = next;
		n++;
	}
	if (n > 0 && first_sep && first_sep < last_word)
		return last_word;
	/* LAST: the word run, when it holds an alpha. */
	int alpha = 0;
	j = i;
	while (j < len) {
		unsigned c = cp_at(s, len, j, &next);
		if (!rb_word(c))
			break;
		alpha |= rb_alpha(c);
		j = next;
	}
	return alpha ? j : i;
}

static void find_hashtags(const char *s, size_t len, struct spans *l)
{
	if (!memchr(s, '#', len))
		return;
	size_t p = 0, q;
	unsigned prev = '\n';
	while (p < len) {
		unsigned c = cp_at(s, len, p, &q);
		if ((c == '#' || c == 0xFF03) && (prev == '\n' || rb_space(prev))) {
			size_t e = hashtag_name(s, len, q);
			if (e > q) {
				size_t n = e - q;
				if (len - e >= 3 && memcmp(s + e, "://", 3) == 0) {
					if (n > 4 && memcmp(s + e - 4, "http", 4) == 0)
						e -= 4;
					else if (n > 5 && memcmp(s + e - 5, "https", 5) == 0)
						e -= 5;
				}
				add_span(l, ENT_HASHTAG, p, e, e);
				prev = cp_before(s, e);
				p = e;
				continue;
			}
		}
		prev = c;
		p = q;
	}
}

/* ---- count ----------------------------------------------------------------- */

static int by_start(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* remove_overlapping_entities: sort by start, drop what overlaps the last
 * entity kept. */
static void drop_overlaps(struct spans *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof *l->v, by_start);
	size_t k = 1;
	for (size_t i = 1; i < l->n; i++)
		if (l->v[i].start >= l->v[k - 1].end)
			l->v[k++] = l->v[i];
	l->n = k;
}

/* Graphemes as Ruby 3.4 counts them (utf8proc, see above), carried across
 * calls so that pieces count as one text. */
struct rbseg {
	utf8proc_int32_t state, prev;
	long n;
};

/* Feed s[0..len); returns the offset where grapheme limit + 1 starts, or
 * len when it does not start in this piece. */
static size_t feed(struct rbseg *g, const char *s, size_t len, long limit)
{
	size_t i = 0, cut = len;
	while (i < len) {
		size_t at = i;
		utf8proc_int32_t cp = (utf8proc_int32_t)text_next_cp(s, len, &i);
		if (g->prev < 0 || utf8proc_grapheme_break_stateful(g->prev, cp, &g->state)) {
			if (g->n == limit && cut == len)
				cut = at;
			g->n++;
		}
		g->prev = cp;
	}
	return cut;
}

static int blank(const char *s, size_t len)
{
	size_t i = 0, next;
	while (i < len) {
		if (!rb_space(cp_at(s, len, i, &next)))
			return 0;
		i = next;
	}
	return 1;
}

int count_mastodon(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		   struct count_extra *ex)
{
	struct spans count = {0}, shown = {0};
	out->limit = lim->max_chars;
	ex->over_at = len;
	if (blank(s, len)) {
		out->length = 0;
		return 0;
	}
	find_urls(s, len, &count);
	find_mentions(s, len, &count);
	for (size_t i = 0; i < count.n; i++)
		add_span(&shown, count.v[i].type, count.v[i].start, count.v[i].end, count.v[i].local_end);
	find_hashtags(s, len, &shown);
	drop_overlaps(&count);
	drop_overlaps(&shown);

	/* Count the rewritten text piece by piece; over_at maps back to the
	 * original (the start of a URL or mention that crosses the limit). */
	struct rbseg g = {0, -1, 0};
	char xs[64];
	memset(xs, 'x', sizeof xs);
	size_t at = 0;
	for (size_t i = 0; i <= count.n; i++) {
		size_t a = i < count.n ? count.v[i].start : len;
		size_t cut = feed(&g, s + at, a - at, lim->max_chars);
		if (cut < a - at && ex->over_at == len)
			ex->over_at = at + cut;
		if (i == count.n)
			break;
		const struct span *e = &count.v[i];
		int over = 0;
		if (e->type == ENT_URL) {
			for (size_t left = (size_t)lim->url_weight; left > 0;) {
				size_t k = left < sizeof xs ? left : sizeof xs;
				over |= feed(&g, xs, k, lim->max_chars) < k;
				left -= k;
			}
		} else {
			over =
			    feed(&g, s + e->start, e->local_end - e->start, lim->max_chars) < e->local_end - e->start;
		}
		if (over && ex->over_at == len)
			ex->over_at = e->start;
		at = e->end;
	}
	out->length = g.n;

	for (size_t i = 0; i < shown.n; i++) {
		const struct span *e = &shown.v[i];
		text_push_entity(out, e->type, e->start, e->end);
		if (e->type == ENT_URL)
			ex->links++;
		else if (e->type == ENT_MENTION)
			ex->mentions++;
		else
			ex->hashtags++;
	}
	free(count.v);
	free(shown.v);
	return 0;
}
