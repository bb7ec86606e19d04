/* test_text_networks: the limit and the counting rule of every network
 * but X (Mastodon, Bluesky, Threads, Instagram, LinkedIn, Facebook,
 * TikTok) with values, their entities, and text_validate's problems. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/text.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* s repeated n times (caller frees). */
static char *rep(const char *s, size_t n)
{
	size_t k = strlen(s);
	char *out = malloc(k * n + 1);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * k, s, k);
	out[k * n] = '\0';
	return out;
}

static char *cat(const char *a, const char *b)
{
	size_t x = strlen(a), y = strlen(b);
	char *out = malloc(x + y + 1);
	assert_non_null(out);
	memcpy(out, a, x);
	memcpy(out + x, b, y + 1);
	return out;
}

/* Count s (NUL-terminated) and check length, limit and validity. */
static void expect(enum network n, const char *s, long length, long limit, int valid)
{
	struct text_count c;
	assert_int_equal(text_count(n, s, strlen(s), NULL, &c), 0);
	assert_int_equal(c.length, length);
	assert_int_equal(c.limit, limit);
	assert_int_equal(c.valid, valid);
	assert_int_equal(c.bytes, strlen(s));
	text_count_free(&c);
}

/* The only problem text_validate finds must be code, over [bs, be). */
static void expect_problem(enum network n, const char *s, const char *code, size_t bs, size_t be)
{
	struct text_problem p[4];
	size_t total = 0;
	assert_int_equal(text_validate(n, s, strlen(s), NULL, p, LEN(p), &total), 1);
	assert_int_equal(total, 1);
	assert_string_equal(p[0].code, code);
	assert_int_equal(p[0].byte_start, bs);
	assert_int_equal(p[0].byte_end, be);
}

static void expect_no_problem(enum network n, const char *s)
{
	struct text_problem p[4];
	size_t total = 9;
	assert_int_equal(text_validate(n, s, strlen(s), NULL, p, LEN(p), &total), 0);
	assert_int_equal(total, 0);
}

struct ent {
	enum entity_type type;
	size_t bs, be;
};

static void expect_entities(enum network n, const char *s, const struct ent *want, size_t nwant)
{
	struct text_count c;
	assert_int_equal(text_count(n, s, strlen(s), NULL, &c), 0);
	for (size_t i = 0; i < c.nentities && i < nwant; i++) {
		if (c.entities[i].type != want[i].type || c.entities[i].byte_start != want[i].bs ||
		    c.entities[i].byte_end != want[i].be)
			fail_msg("%s entity %zu: got %s %zu-%zu, want %s %zu-%zu in \"%s\"", net_name(n), i,
				 entity_type_name(c.entities[i].type), c.entities[i].byte_start, c.entities[i].byte_end,
				 entity_type_name(want[i].type), want[i].bs, want[i].be, s);
	}
	assert_int_equal(c.nentities, nwant);
	text_count_free(&c);
}

/* ---- Mastodon ---------------------------------------------------------- */

static void test_mastodon_limit_is_500_graphemes(void **state)
{
	(void)state;
	char *a500 = rep("a", 500), *a501 = rep("a", 501);
	expect(NET_MASTODON, a500, 500, 500, 1);
	expect(NET_MASTODON, a501, 501, 500, 0);
	expect_problem(NET_MASTODON, a501, "text.too_long", 500, 501);
	/* Grapheme clusters: a family emoji and e + combining acute are 1. */
	char *fam = rep("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7", 500);
	expect(NET_MASTODON, fam, 500, 500, 1);
	char *fam1 = cat(fam, "e\xCC\x81");
	expect(NET_MASTODON, fam1, 501, 500, 0);
	/* An instance's own limit. */
	struct net_limits lim = {.max_chars = 1000};
	struct text_count c;
	assert_int_equal(text_count(NET_MASTODON, a501, 501, &lim, &c), 0);
	assert_int_equal(c.limit, 1000);
	assert_true(c.valid);
	text_count_free(&c);
	free(a500);
	free(a501);
	free(fam);
	free(fam1);
}

static void test_mastodon_url_counts_23(void **state)
{
	(void)state;
	/* 52-character URL: 23; "see " 4 + 23 + " ok" 3 = 30. */
	expect(NET_MASTODON, "see https://example.com/a/very/long/path/to/something ok", 30, 500, 1);
	/* A bare domain counts as written. */
	expect(NET_MASTODON, "see example.com ok", 18, 500, 1);
	/* A short URL also counts 23. */
	expect(NET_MASTODON, "http://x.co", 23, 500, 1);
	/* The instance's characters_reserved_per_url. */
	struct net_limits lim = {.url_weight = 30};
	struct text_count c;
	assert_int_equal(text_count(NET_MASTODON, "http://x.co", 11, &lim, &c), 0);
	assert_int_equal(c.length, 30);
	text_count_free(&c);
	lim.url_weight = 100;
	assert_int_equal(text_count(NET_MASTODON, "http://x.co x", 13, &lim, &c), 0);
	assert_int_equal(c.length, 102);
	text_count_free(&c);
	/* 476 letters, a space and a URL = 500; one more letter is over. A
	 * URL glued to a letter is no URL and counts as written. */
	char *a476 = rep("a", 476), *a477 = rep("a", 477);
	char *ok = cat(a476, " https://example.com/path"), *over = cat(a477, " https://example.com/path");
	expect(NET_MASTODON, ok, 500, 500, 1);
	expect(NET_MASTODON, over, 501, 500, 0);
	expect(NET_MASTODON, "ahttps://example.com", 20, 500, 1);
	free(a476);
	free(a477);
	free(ok);
	free(over);
	/* The URL that crosses the limit is underlined from its start. */
	char *b478 = rep("b", 478), *over2 = cat(b478, " https://example.com/path");
	expect_problem(NET_MASTODON, over2, "text.too_long", 479, strlen(over2));
	free(b478);
	free(over2);
}

static void test_mastodon_remote_mention_counts_local_part(void **state)
{
	(void)state;
	/* "@alice@mastodon.social hi" counts as "@alice hi". */
	expect(NET_MASTODON, "@alice@mastodon.social hi", 9, 500, 1);
	expect(NET_MASTODON, "@alice hi", 9, 500, 1);
	const struct ent want[] = {{ENT_MENTION, 0, 22}, {ENT_MENTION, 27, 31}};
	expect_entities(NET_MASTODON, "@alice@mastodon.social and @bob!", want, LEN(want));
	/* Not mentions: an e-mail address, a mention glued to "://". */
	expect_entities(NET_MASTODON, "mail a@b.org", NULL, 0);
	expect(NET_MASTODON, "mail a@b.org", 12, 500, 1);
}

static void test_mastodon_entities(void **state)
{
	(void)state;
	/* Only URLs with a scheme; hashtags need a letter; a middle dot joins. */
	const struct ent want[] = {
	    {ENT_URL, 4, 29},
	    {ENT_HASHTAG, 31, 35},
	    {ENT_HASHTAG, 41, 46},
	};
	expect_entities(NET_MASTODON,
			"see https://example.com/a?b=1. #Tag #123 #a\xC2\xB7"
			"b example.com",
			want, LEN(want));
	/* A blank status counts 0. */
	expect(NET_MASTODON, "  \n ", 0, 500, 1);
}

/* ---- Bluesky ----------------------------------------------------------- */

static void test_bluesky_limit_is_300_graphemes(void **state)
{
	(void)state;
	char *a300 = rep("a", 300), *a301 = rep("a", 301);
	expect(NET_BLUESKY, a300, 300, 300, 1);
	expect(NET_BLUESKY, a301, 301, 300, 0);
	expect_problem(NET_BLUESKY, a301, "text.too_long", 300, 301);
	/* Flags and ZWJ sequences are one grapheme each: 300 flags are valid
	 * (2,400 bytes), 301 are not, underlined from the 301st. */
	char *flags = rep("\xF0\x9F\x87\xA6\xF0\x9F\x87\xB1", 301);
	expect(NET_BLUESKY, flags, 301, 300, 0);
	expect_problem(NET_BLUESKY, flags, "text.too_long", 2400, 2408);
	flags[2400] = '\0';
	expect(NET_BLUESKY, flags, 300, 300, 1);
	free(a300);
	free(a301);
	free(flags);
}

static void test_bluesky_3000_byte_cap(void **state)
{
	(void)state;
	/* "क्षि" (12 bytes) is one grapheme cluster for Bluesky (GB9c). 250 of
	 * them are 3,000 bytes: valid; one more letter passes the byte cap
	 * with only 251 graphemes. */
	expect(NET_BLUESKY, "\xE0\xA4\x95\xE0\xA5\x8D\xE0\xA4\xB7\xE0\xA4\xBF", 1, 300, 1);
	char *k250 = rep("\xE0\xA4\x95\xE0\xA5\x8D\xE0\xA4\xB7\xE0\xA4\xBF", 250);
	assert_int_equal(strlen(k250), 3000);
	expect(NET_BLUESKY, k250, 250, 300, 1);
	char *k250a = cat(k250, "a");
	expect(NET_BLUESKY, k250a, 251, 300, 0);
	expect_problem(NET_BLUESKY, k250a, "text.too_many_bytes", 3000, 3001);
	/* 300 graphemes of multi-byte text: family emoji, 18 bytes each. */
	char *fam = rep("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7", 300);
	expect(NET_BLUESKY, fam, 300, 300, 0);
	expect_problem(NET_BLUESKY, fam, "text.too_many_bytes", 2988, 5400);
	free(k250);
	free(k250a);
	free(fam);
}

static void test_bluesky_facets(void **state)
{
	(void)state;
	/* detectFacets: a mention needs a known TLD (or .test), a link loses
	 * trailing punctuation and an unbalanced ')', tags lose trailing
	 * punctuation, cashtags are $ + up to 5 letters/digits. */
	const char *s = "(@alice.bsky.social) @bob hey @me.test https://example.com/a). #tag! $AAPL. example.org";
	const struct ent want[] = {
	    {ENT_MENTION, 1, 19},  {ENT_MENTION, 30, 38}, {ENT_URL, 39, 60},
	    {ENT_HASHTAG, 63, 67}, {ENT_CASHTAG, 69, 74}, {ENT_URL, 76, 87},
	};
	expect_entities(NET_BLUESKY, s, want, LEN(want));
	/* Upper-case TLDs and schemes are not detected; a keycap is no tag. */
	expect_entities(NET_BLUESKY, "EXAMPLE.COM HTTPS://x.com #\xEF\xB8\x8F\xE2\x83\xA3 #123", NULL, 0);
	/* Full-width hash and non-Latin tags, byte ranges in UTF-8. */
	const struct ent want2[] = {{ENT_HASHTAG, 0, 12}, {ENT_HASHTAG, 13, 23}};
	expect_entities(NET_BLUESKY, "\xEF\xBC\x83Shqip\xC3\xABri #\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x80\x82",
			want2, LEN(want2));
	struct text_count c;
	assert_int_equal(text_count(NET_BLUESKY, "\xC3\xAB @a.test", 10, NULL, &c), 0);
	assert_int_equal(c.nentities, 1);
	assert_int_equal(c.entities[0].byte_start, 3);
	assert_int_equal(c.entities[0].utf16_start, 2);
	assert_int_equal(c.entities[0].utf16_end, 9);
	text_count_free(&c);
}

/* ---- Threads ----------------------------------------------------------- */

static void test_threads_emoji_count_their_bytes(void **state)
{
	(void)state;
	expect(NET_THREADS, "\xF0\x9F\x98\x80", 4, 500, 1);		    /* 😀 */
	expect(NET_THREADS, "\xE2\x9D\xA4\xEF\xB8\x8F", 6, 500, 1);	    /* ❤️ */
	expect(NET_THREADS, "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", 8, 500, 1); /* 👍🏽 */
	expect(NET_THREADS, "1\xEF\xB8\x8F\xE2\x83\xA3", 7, 500, 1);	    /* 1️⃣ */
	expect(NET_THREADS, "\xC3\xAB\xC3\xA7 \xE6\x97\xA5", 4, 500, 1);    /* ëç 日: 1 each */
	char *a500 = rep("a", 500), *a501 = rep("a", 501);
	expect(NET_THREADS, a500, 500, 500, 1);
	expect(NET_THREADS, a501, 501, 500, 0);
	char *a496 = rep("a", 496), *a497 = rep("a", 497);
	char *ok = cat(a496, "\xF0\x9F\x98\x80"), *over = cat(a497, "\xF0\x9F\x98\x80");
	expect(NET_THREADS, ok, 500, 500, 1);
	expect(NET_THREADS, over, 501, 500, 0);
	/* The emoji that crosses the limit is underlined whole. */
	expect_problem(NET_THREADS, over, "text.too_long", 497, 501);
	free(a500);
	free(a501);
	free(a496);
	free(a497);
	free(ok);
	free(over);
}

static void test_threads_one_topic_tag_five_links(void **state)
{
	(void)state;
	expect_no_problem(NET_THREADS, "#one https://a.com b.com c.com d.com e.com");
	expect_problem(NET_THREADS, "#one #two", "text.too_many_hashtags", 5, 9);
	expect_problem(NET_THREADS, "a.com b.com c.com d.com e.com f.com", "text.too_many_links", 30, 35);
}

/* ---- Instagram --------------------------------------------------------- */

static void test_instagram_limit_and_caps(void **state)
{
	(void)state;
	char *a2200 = rep("a", 2200), *a2201 = rep("a", 2201);
	expect(NET_INSTAGRAM, a2200, 2200, 2200, 1);
	expect(NET_INSTAGRAM, a2201, 2201, 2200, 0);
	expect_problem(NET_INSTAGRAM, a2201, "text.too_long", 2200, 2201);
	/* Five hashtags pass; the sixth is underlined, just itself. */
	expect_no_problem(NET_INSTAGRAM, "#a #b #c #d #e");
	expect_problem(NET_INSTAGRAM, "#a #b #c #d #e #sixth ok", "text.too_many_hashtags", 15, 21);
	struct net_limits thirty = {.max_hashtags = 30};
	struct text_problem p[2];
	size_t total = 9;
	assert_int_equal(text_validate(NET_INSTAGRAM, "#a #b #c #d #e #f", 17, &thirty, p, 2, &total), 0);
	assert_int_equal(total, 0);
	/* Twenty mentions pass, the 21st does not. */
	char *m20 = rep("@user.name_1 ", 20), *m21 = rep("@user.name_1 ", 21);
	expect_no_problem(NET_INSTAGRAM, m20);
	expect_problem(NET_INSTAGRAM, m21, "text.too_many_mentions", 260, 272);
	const struct ent want[] = {{ENT_MENTION, 3, 11}, {ENT_URL, 16, 27}, {ENT_HASHTAG, 28, 38}};
	expect_entities(NET_INSTAGRAM, "hi @ana.k_9. at example.com #Shqip\xC3\xABri mail x@y.com C# &#39;", want,
			LEN(want));
	free(a2200);
	free(a2201);
	free(m20);
	free(m21);
}

static void test_entities_never_overlap_a_url(void **state)
{
	(void)state;
	/* The URL wins over a hashtag or mention glued to it. */
	const struct ent url[] = {{ENT_URL, 1, 19}};
	expect_entities(NET_INSTAGRAM, "#http://example.com", url, LEN(url));
	const struct ent url2[] = {{ENT_URL, 4, 17}};
	expect_entities(NET_TIKTOK, "(\xEF\xBC\x83https://x.com)", url2, LEN(url2));
	const struct ent url3[] = {{ENT_URL, 0, 28}};
	expect_entities(NET_FACEBOOK, "https://example.com/#tag/@me", url3, LEN(url3));
	/* LinkedIn markup with a bracket in the name is none; the inner one is. */
	const struct ent in[] = {{ENT_MENTION, 6, 32}};
	expect_entities(NET_LINKEDIN, "@[a[b @[Kanal](urn:li:person:x9)", in, LEN(in));
}

/* ---- LinkedIn, Facebook, TikTok ------------------------------------------ */

static void test_linkedin_utf16_and_reserved_characters(void **state)
{
	(void)state;
	char *a3000 = rep("a", 3000), *a3001 = rep("a", 3001);
	expect(NET_LINKEDIN, a3000, 3000, 3000, 1);
	expect(NET_LINKEDIN, a3001, 3001, 3000, 0);
	/* The reserved characters count 1 each, as written. */
	expect(NET_LINKEDIN, "\\|{}@[]()<>#*_~", 15, 3000, 1);
	expect(NET_LINKEDIN, "\xF0\x9F\x98\x80", 2, 3000, 1);
	/* Mentions only in little-text markup; a plain @word is none. */
	const struct ent want[] = {{ENT_MENTION, 3, 36}, {ENT_HASHTAG, 42, 46}};
	expect_entities(NET_LINKEDIN, "Hi @[Kanal](urn:li:organization:123) @bob #tag", want, LEN(want));
	free(a3000);
	free(a3001);
}

static void test_facebook_limit(void **state)
{
	(void)state;
	char *ok = rep("a", 63206), *over = rep("a", 63207);
	expect(NET_FACEBOOK, ok, 63206, 63206, 1);
	expect(NET_FACEBOOK, over, 63207, 63206, 0);
	expect_problem(NET_FACEBOOK, over, "text.too_long", 63206, 63207);
	free(ok);
	free(over);
}

static void test_tiktok_counts_utf16_units(void **state)
{
	(void)state;
	/* An astral character is two UTF-16 code units. */
	char *e1100 = rep("\xF0\x9F\x98\x80", 1100);
	expect(NET_TIKTOK, e1100, 2200, 2200, 1);
	char *over = cat(e1100, "a");
	expect(NET_TIKTOK, over, 2201, 2200, 0);
	expect_problem(NET_TIKTOK, over, "text.too_long", 4400, 4401);
	/* 2,199 units then an emoji: the emoji crosses the limit. */
	char *a2199 = rep("a", 2199), *cross = cat(a2199, "\xF0\x9F\x98\x80");
	expect(NET_TIKTOK, cross, 2201, 2200, 0);
	expect_problem(NET_TIKTOK, cross, "text.too_long", 2199, 2203);
	expect(NET_TIKTOK, "\xC3\xAB\xE6\x97\xA5\xF0\x9D\x90\x80", 4, 2200, 1); /* ë 日 𝐀 */
	free(e1100);
	free(over);
	free(a2199);
	free(cross);
}

/* ---- text_validate ------------------------------------------------------- */

static void test_validate_reports_every_problem(void **state)
{
	(void)state;
	/* Too long, six hashtags and 21 mentions at once. */
	char *m21 = rep("@ab ", 21), *tags = cat(m21, "#a #b #c #d #e #f ");
	char *pad = rep("x", 2200), *s = cat(tags, pad);
	struct text_problem p[8];
	size_t total = 0;
	assert_int_equal(text_validate(NET_INSTAGRAM, s, strlen(s), NULL, p, LEN(p), &total), 3);
	assert_int_equal(total, 3);
	assert_string_equal(p[0].code, "text.too_long");
	assert_int_equal(p[0].value, (long)strlen(s));
	assert_int_equal(p[0].limit, 2200);
	assert_int_equal(p[0].byte_start, 2200);
	assert_int_equal(p[0].byte_end, strlen(s));
	assert_string_equal(p[1].code, "text.too_many_hashtags");
	assert_int_equal(p[1].value, 6);
	assert_int_equal(p[1].byte_start, 84 + 15);
	assert_int_equal(p[1].byte_end, 84 + 17);
	assert_string_equal(p[2].code, "text.too_many_mentions");
	assert_int_equal(p[2].value, 21);
	assert_int_equal(p[2].byte_start, 80);
	assert_int_equal(p[2].byte_end, 83);
	/* With room for one, the total still says three. */
	assert_int_equal(text_validate(NET_INSTAGRAM, s, strlen(s), NULL, p, 1, &total), 1);
	assert_int_equal(total, 3);
	assert_string_equal(p[0].code, "text.too_long");
	/* Bluesky: too long and too many bytes together. */
	char *fam = rep("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7", 301);
	assert_int_equal(text_validate(NET_BLUESKY, fam, strlen(fam), NULL, p, LEN(p), &total), 2);
	assert_string_equal(p[0].code, "text.too_long");
	assert_int_equal(p[0].byte_start, 300 * 18);
	assert_string_equal(p[1].code, "text.too_many_bytes");
	free(m21);
	free(tags);
	free(pad);
	free(s);
	free(fam);
}

static void test_invalid_utf8_and_empty(void **state)
{
	(void)state;
	static const enum network nets[] = {NET_MASTODON, NET_BLUESKY,	NET_THREADS, NET_INSTAGRAM,
					    NET_LINKEDIN, NET_FACEBOOK, NET_TIKTOK};
	for (size_t i = 0; i < LEN(nets); i++) {
		struct text_count c;
		assert_int_equal(text_count(nets[i],
					    "ab\xFF"
					    "cd",
					    5, NULL, &c),
				 -1);
		assert_int_equal(c.length, 0);
		assert_null(c.entities);
		expect_problem(nets[i],
			       "ab\xFF"
			       "cd",
			       "text.invalid_utf8", 2, 5);
		expect_problem(nets[i], "\xED\xA0\x80", "text.invalid_utf8", 0, 3); /* a surrogate */
		expect_problem(nets[i], "", "text.empty", 0, 0);
		/* A NUL inside is refused where it is. */
		struct text_problem p[2];
		size_t total = 0;
		assert_int_equal(text_validate(nets[i], "abc\0d", 5, NULL, p, 2, &total), 1);
		assert_string_equal(p[0].code, "text.invalid_utf8");
		assert_int_equal(p[0].byte_start, 3);
	}
}

static void test_counts_exactly_len_bytes(void **state)
{
	(void)state;
	/* A buffer of exactly len bytes with no NUL after it (ASan checks
	 * that nothing reads past it), counted for every network. */
	static const char text[] = "Hi @alice.bsky.social #tag https://example.com \xF0\x9F\x98\x80";
	size_t n = sizeof text - 1;
	char *exact = malloc(n);
	assert_non_null(exact);
	memcpy(exact, text, n);
	for (int net = NET_MASTODON; net < NET__COUNT; net++) {
		struct text_count c;
		assert_int_equal(text_count((enum network)net, exact, n, NULL, &c), 0);
		assert_true(c.length > 0);
		assert_true(c.nentities >= 2);
		text_count_free(&c);
	}
	/* Only part of a longer text. */
	struct text_count c;
	assert_int_equal(text_count(NET_BLUESKY, text, 9, NULL, &c), 0);
	assert_int_equal(c.length, 9);
	assert_int_equal(c.nentities, 0);
	text_count_free(&c);
	free(exact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mastodon_limit_is_500_graphemes),
	    cmocka_unit_test(test_mastodon_url_counts_23),
	    cmocka_unit_test(test_mastodon_remote_mention_counts_local_part),
	    cmocka_unit_test(test_mastodon_entities),
	    cmocka_unit_test(test_bluesky_limit_is_300_graphemes),
	    cmocka_unit_test(test_bluesky_3000_byte_cap),
	    cmocka_unit_test(test_bluesky_facets),
	    cmocka_unit_test(test_threads_emoji_count_their_bytes),
	    cmocka_unit_test(test_threads_one_topic_tag_five_links),
	    cmocka_unit_test(test_instagram_limit_and_caps),
	    cmocka_unit_test(test_entities_never_overlap_a_url),
	    cmocka_unit_test(test_linkedin_utf16_and_reserved_characters),
	    cmocka_unit_test(test_facebook_limit),
	    cmocka_unit_test(test_tiktok_counts_utf16_units),
	    cmocka_unit_test(test_validate_reports_every_problem),
	    cmocka_unit_test(test_invalid_utf8_and_empty),
	    cmocka_unit_test(test_counts_exactly_len_bytes),
	};
	return cmocka_run_group_tests_name("text_networks", tests, NULL, NULL);
}
