/* text internals: what the per-network counters share. Each network file
 * implements one counter with the signature below; text.c validates the
 * input, fills bytes, graphemes and UTF-16 offsets, and builds validation
 * problems from what the counter reports. */
#ifndef KANAL_TEXT_INTERNAL_H
#define KANAL_TEXT_INTERNAL_H

#include "text/text.h"

/* What a network counter reports beyond struct text_count. */
struct count_extra {
	size_t over_at;  /* byte offset of the first character past the length
			    limit (len when within it) */
	long hashtags, mentions, links; /* as the network counts them */
	size_t invalid_at; /* byte offset of the first character the network
			      refuses (X: U+FFFE, U+FEFF, U+FFFF), len when none */
};

/* A network counter: s is valid UTF-8 of len bytes (NUL-terminated at
 * s[len]); lim has every field filled (defaults applied). Set out->length,
 * out->limit, push entities with text_push_entity (byte offsets only; UTF-16
 * offsets are filled afterwards), and fill ex. Return 0, or -1 on an
 * internal failure (out of memory aborts instead). */
typedef int (*count_fn)(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
			struct count_extra *ex);

int count_x(const char *s, size_t len, const struct net_limits *lim, struct text_count *out, struct count_extra *ex);
int count_mastodon(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		   struct count_extra *ex);
int count_bluesky(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		  struct count_extra *ex);
int count_threads(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		  struct count_extra *ex);
int count_instagram(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		    struct count_extra *ex);
int count_linkedin(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		   struct count_extra *ex);
int count_facebook(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		   struct count_extra *ex);
int count_tiktok(const char *s, size_t len, const struct net_limits *lim, struct text_count *out,
		 struct count_extra *ex);

/* Default limits per network (one table, text.c). */
extern const struct net_limits text_default_limits[NET__COUNT];

/* The network's default limits with the non-zero fields of lim on top
 * (lim may be NULL). */
void text_fill_limits(enum network net, const struct net_limits *lim, struct net_limits *out);

/* Append an entity (grows out->entities). */
void text_push_entity(struct text_count *out, enum entity_type t, size_t byte_start, size_t byte_end);

/* Decode the code point at s[*i] and advance *i (s must be valid UTF-8). */
unsigned text_next_cp_slow(const char *s, size_t len, size_t *i);
/* Inline for the counting loops: well-formed UTF-8 decoded here, anything
 * else (and the end of the text) handed to text_next_cp_slow, which treats
 * it as before. */
static inline unsigned text_next_cp(const char *s, size_t len, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = len - *i;
	unsigned b = p[0];
	if (b < 0x80) {
		(*i)++;
		return b;
	}
	if (b >= 0xC2 && b < 0xE0 && left >= 2 && (p[1] & 0xC0) == 0x80) {
		*i += 2;
		return ((b & 0x1F) << 6) | (p[1] & 0x3F);
	}
	if (b >= 0xE0 && b < 0xF0 && left >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
		unsigned cp = ((b & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
		if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
			*i += 3;
			return cp;
		}
	}
	if (b >= 0xF0 && b < 0xF5 && left >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
	    (p[3] & 0xC0) == 0x80) {
		unsigned cp = ((b & 0x07) << 18) | ((unsigned)(p[1] & 0x3F) << 12) | ((unsigned)(p[2] & 0x3F) << 6) |
			      (p[3] & 0x3F);
		if (cp >= 0x10000 && cp <= 0x10FFFF) {
			*i += 4;
			return cp;
		}
	}
	return text_next_cp_slow(s, len, i);
}
/* Extended grapheme clusters in s[0..len) (utf8proc). */
size_t text_graphemes(const char *s, size_t len);
/* Byte offset of the end of the n-th grapheme (n >= 1), or len. */
size_t text_grapheme_end(const char *s, size_t len, size_t n);
/* UTF-16 code units in s[0..len). */
size_t text_utf16_len(const char *s, size_t len);

/* Top-level domain lists generated from the reference packages
 * (build/gen/tlds.c, sorted with strcmp). */
extern const char *const tld_twitter_generic[];
extern const unsigned long tld_twitter_generic_count;
extern const char *const tld_twitter_cc[];
extern const unsigned long tld_twitter_cc_count;
extern const char *const tld_bluesky[];
extern const unsigned long tld_bluesky_count;
/* 1 when the lower-cased tld (len bytes) is in list. */
int text_tld_in(const char *const *list, unsigned long count, const char *tld, size_t len);

#endif
