/* text: counting and entity extraction exactly as each network does it
 * (../shared/NETWORKS.md), and the validation problems the composer
 * underlines. Pure functions over UTF-8; no I/O, no store. */
#ifndef KANAL_TEXT_H
#define KANAL_TEXT_H

#include <stddef.h>

enum network {
	NET_X = 0,
	NET_MASTODON,
	NET_BLUESKY,
	NET_THREADS,
	NET_INSTAGRAM,
	NET_LINKEDIN,
	NET_FACEBOOK,
	NET_TIKTOK,
	NET__COUNT
};

/* "x", "mastodon", "bluesky", "threads", "instagram", "linkedin",
 * "facebook", "tiktok"; net_parse returns -1 when unknown. */
const char *net_name(enum network n);
int net_parse(const char *s);

enum entity_type { ENT_URL, ENT_MENTION, ENT_HASHTAG, ENT_CASHTAG };
const char *entity_type_name(enum entity_type t); /* "url", "mention", "hashtag", "cashtag" */

/* An entity as the network itself detects it; the range covers it as
 * written (the '@', '#' or '$' included), end exclusive. For Bluesky the
 * entities are exactly the facets its client creates (a cashtag is a tag
 * there, reported as ENT_CASHTAG with its '$'). */
struct entity {
	enum entity_type type;
	size_t byte_start, byte_end;   /* UTF-8 byte offsets */
	size_t utf16_start, utf16_end; /* UTF-16 code unit offsets */
};

/* Per-account limits that override the network's defaults (Mastodon reads
 * its instance's). Zero fields keep the default. */
struct net_limits {
	long max_chars;     /* the length limit */
	long url_weight;    /* Mastodon characters_reserved_per_url, X's 23 */
	long max_hashtags;  /* Instagram: 5 by default */
	long max_mentions;  /* Instagram: 20 */
	long max_links;     /* Threads: 5 */
	long max_bytes;     /* Bluesky: 3000 */
};

struct text_count {
	enum network net;
	long length;     /* the count the network applies */
	long limit;      /* the limit that applies to length */
	int valid;       /* length within limit, and every other cap held */
	size_t bytes;    /* UTF-8 bytes of the text as given */
	size_t graphemes; /* extended grapheme clusters (utf8proc) */
	struct entity *entities; /* caller frees with text_count_free */
	size_t nentities;
};

/* Count s[0..len) for net. Returns 0, or -1 when s is not valid UTF-8 (out
 * is then zeroed). lim may be NULL. */
int text_count(enum network net, const char *s, size_t len, const struct net_limits *lim, struct text_count *out);
void text_count_free(struct text_count *c);

/* A problem the composer underlines: a stable code, and the UTF-8 byte
 * range it applies to (for text.too_long: from the first character past
 * the limit to the end). */
struct text_problem {
	const char *code; /* "text.too_long", "text.too_many_bytes", "text.too_many_hashtags",
			     "text.too_many_mentions", "text.too_many_links", "text.invalid_utf8",
			     "text.invalid_characters" (X refuses U+FFFE, U+FEFF, U+FFFF, ...),
			     "text.empty" */
	size_t byte_start, byte_end;
	long value, limit; /* e.g. 291 and 280 */
};

/* Every problem at once; returns how many were written (at most max) and
 * sets *total to how many there are. */
size_t text_validate(enum network net, const char *s, size_t len, const struct net_limits *lim,
		     struct text_problem *out, size_t max, size_t *total);

#endif
