/* test_text_x: X's counting rules (twitter-text parseTweet, v3 weights) as
 * values: the 280 limit, emoji, CJK and URL weights, NFC, where the text
 * goes over the limit, invalid characters and invalid UTF-8, and entity
 * ranges. The whole-corpus comparison with twitter-text is in
 * tests/conformance/x.test.mjs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/text.h"

/* s repeated n times (caller frees). */
static char *rep(const char *s, size_t n)
{
	size_t l = strlen(s);
	char *r = malloc(l * n + 1);
	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		memcpy(r + i * l, s, l);
	r[l * n] = '\0';
	return r;
}

/* X's length of s; -1 when text_count refuses it. */
static long xlen(const char *s, int *valid)
{
	struct text_count c;
	if (text_count(NET_X, s, strlen(s), NULL, &c))
		return -1;
	if (valid)
		*valid = c.valid;
	text_count_free(&c);
	return c.length;
}

/* The first problem with the given code, or NULL. */
static const struct text_problem *problem(const char *s, const char *code, struct text_problem *buf, size_t max)
{
	size_t total = 0;
	size_t n = text_validate(NET_X, s, strlen(s), NULL, buf, max, &total);
	for (size_t i = 0; i < n; i++)
		if (strcmp(buf[i].code, code) == 0)
			return &buf[i];
	return NULL;
}

static void test_280_ascii_is_valid_281_is_not(void **state)
{
	(void)state;
	int valid = 0;
	char *t280 = rep("a", 280), *t281 = rep("a", 281);
	assert_int_equal(xlen(t280, &valid), 280);
	assert_true(valid);
	assert_int_equal(xlen(t281, &valid), 281);
	assert_false(valid);
	struct text_count c;
	assert_int_equal(text_count(NET_X, t280, 280, NULL, &c), 0);
	assert_int_equal(c.limit, 280);
	assert_int_equal(c.bytes, 280);
	text_count_free(&c);
	free(t280);
	free(t281);
}

static void test_empty_text_is_not_valid(void **state)
{
	(void)state;
	int valid = 1;
	assert_int_equal(xlen("", &valid), 0);
	assert_false(valid);
	assert_int_equal(xlen(" ", &valid), 1);
	assert_true(valid);
}

static void test_emoji_sequences_weigh_two(void **state)
{
	(void)state;
	assert_int_equal(xlen("\xF0\x9F\x98\x80", NULL), 2);		     /* 😀 */
	assert_int_equal(xlen("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", NULL), 2); /* 👍🏽 skin tone */
	assert_int_equal(xlen("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D"
			      "\xF0\x9F\x91\xA7\xE2\x80\x8D\xF0\x9F\x91\xA6",
			      NULL),
			 2);						     /* 👨‍👩‍👧‍👦 */
	assert_int_equal(xlen("\xF0\x9F\x87\xA6\xF0\x9F\x87\xB1", NULL), 2); /* 🇦🇱 */
	assert_int_equal(xlen("1\xEF\xB8\x8F\xE2\x83\xA3", NULL), 2);	     /* 1️⃣ keycap */
	assert_int_equal(xlen("\xE2\x98\x80\xEF\xB8\x8F", NULL), 2);	     /* ☀️ with VS16 */
	assert_int_equal(xlen("\xE2\x98\x80\xEF\xB8\x8E", NULL), 4);	     /* ☀︎ text style: 2 + 2 */
	assert_int_equal(xlen("\xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x8C\x88", NULL),
			 2); /* 🏳️‍🌈 */
	/* 🧑‍🤝‍🧑 is newer than twitter-text's emoji list: counted piece by piece
	 * (2 + 1 + 2 + 1 + 2). */
	assert_int_equal(xlen("\xF0\x9F\xA7\x91\xE2\x80\x8D\xF0\x9F\xA4\x9D\xE2\x80\x8D\xF0\x9F\xA7\x91", NULL), 8);
}

static void test_cjk_weighs_two_latin_one(void **state)
{
	(void)state;
	assert_int_equal(xlen("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", NULL), 6);     /* 日本語 */
	assert_int_equal(xlen("\xED\x95\x9C\xEA\xB5\xAD", NULL), 4);		     /* 한국 */
	assert_int_equal(xlen("Mir\xC3\xABm\xC3\xABngjes nga Tirana!", NULL), 23);   /* ë is in 0..4351 */
	assert_int_equal(xlen("\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7", NULL), 5); /* مرحبا */
	assert_int_equal(xlen("\xE2\x80\x94\xE2\x80\x9C\xE2\x80\xB2", NULL), 3);     /* — “ ′ weigh 1 */
	assert_int_equal(xlen("\xE2\x82\xAC", NULL), 2);			     /* € weighs 2 */
	int valid = 0;
	char *cjk140 = rep("\xE6\x97\xA5", 140), *cjk141 = rep("\xE6\x97\xA5", 141);
	assert_int_equal(xlen(cjk140, &valid), 280);
	assert_true(valid);
	assert_int_equal(xlen(cjk141, &valid), 282);
	assert_false(valid);
	free(cjk140);
	free(cjk141);
}

static void test_every_url_weighs_23(void **state)
{
	(void)state;
	assert_int_equal(xlen("https://example.com", NULL), 23);
	assert_int_equal(xlen("https://example.com/a/very/long/path/that/goes/on/and/on?with=query#and-fragment", NULL),
			 23);
	assert_int_equal(xlen("example.com", NULL), 23);
	assert_int_equal(xlen("see kanal.al/x!", NULL), 4 + 23 + 1);
	assert_int_equal(xlen("https://t.co/abc/def", NULL), 23 + 4); /* t.co stops after the slug */
	assert_int_equal(xlen("x.com:8080", NULL), 23 + 5);	      /* no path: the port is text */
	assert_int_equal(xlen("example.invalidtld", NULL), 18);	      /* not a TLD: not a URL */
	assert_int_equal(xlen("a.com b.org c.net", NULL), 3 * 23 + 2);
}

static void test_nfc_composed_and_decomposed_count_the_same(void **state)
{
	(void)state;
	/* "é" composed (U+00E9) and decomposed (e + U+0301): 1 each. */
	assert_int_equal(xlen("caf\xC3\xA9", NULL), 4);
	assert_int_equal(xlen("cafe\xCC\x81", NULL), 4);
	/* Hangul jamo compose to one syllable that weighs 2. */
	assert_int_equal(xlen("\xE1\x84\x80\xE1\x85\xA1", NULL), 2);
	assert_int_equal(xlen("\xEA\xB0\x80", NULL), 2);
	/* Entities stay in the text as given: the URL after a decomposed ë
	 * starts at byte 4 (e + U+0308 + space), UTF-16 offset 3. */
	struct text_count c;
	const char *s = "e\xCC\x88 example.com";
	assert_int_equal(text_count(NET_X, s, strlen(s), NULL, &c), 0);
	assert_int_equal(c.length, 2 + 23);
	assert_int_equal(c.nentities, 1);
	assert_int_equal(c.entities[0].byte_start, 4);
	assert_int_equal(c.entities[0].utf16_start, 3);
	assert_int_equal(c.entities[0].byte_end, strlen(s));
	text_count_free(&c);
}

static void test_over_the_limit_starts_after_the_last_character_that_fits(void **state)
{
	(void)state;
	struct text_problem p[8];
	const struct text_problem *tl;
	char *a281 = rep("a", 281);
	tl = problem(a281, "text.too_long", p, 8);
	assert_non_null(tl);
	assert_int_equal(tl->byte_start, 280);
	assert_int_equal(tl->byte_end, 281);
	assert_int_equal(tl->value, 281);
	assert_int_equal(tl->limit, 280);
	free(a281);

	/* 141 CJK characters (3 bytes each): the 141st does not fit. */
	char *cjk = rep("\xE6\x97\xA5", 141);
	tl = problem(cjk, "text.too_long", p, 8);
	assert_non_null(tl);
	assert_int_equal(tl->byte_start, 140 * 3);
	free(cjk);

	/* A URL that crosses the limit is over as a whole. */
	char *a270 = rep("a", 270);
	char buf[400];
	snprintf(buf, sizeof buf, "%s https://example.com/path", a270);
	tl = problem(buf, "text.too_long", p, 8);
	assert_non_null(tl);
	assert_int_equal(tl->value, 271 + 23);
	assert_int_equal(tl->byte_start, 271);
	free(a270);

	/* Within the limit: no such problem. */
	assert_null(problem("short", "text.too_long", p, 8));
}

static void test_invalid_characters_make_the_text_invalid(void **state)
{
	(void)state;
	int valid = 1;
	assert_int_equal(xlen("abc\xEF\xBB\xBF"
			      "def",
			      &valid),
			 8); /* U+FEFF weighs 2 */
	assert_false(valid);
	assert_int_equal(xlen("\xEF\xBF\xBE", &valid), 2); /* U+FFFE */
	assert_false(valid);
	assert_int_equal(xlen("\xEF\xBF\xBF", &valid), 2); /* U+FFFF */
	assert_false(valid);
	struct text_problem p[8];
	const struct text_problem *ic = problem("ab\xEF\xBB\xBF", "text.invalid_characters", p, 8);
	assert_non_null(ic);
	assert_int_equal(ic->byte_start, 2);
	assert_int_equal(ic->byte_end, 5);
}

static void test_invalid_utf8_is_refused(void **state)
{
	(void)state;
	struct text_count c;
	const char *bad[] = {"\xC3", "a\xFF", "\xED\xA0\x80", "\xC0\xAF", "ok\xF4\x90\x80\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(text_count(NET_X, bad[i], strlen(bad[i]), NULL, &c), -1);
		assert_int_equal(c.length, 0);
		assert_null(c.entities);
	}
	assert_int_equal(xlen("a\xC3", NULL), -1);
}

static void test_entities_and_their_ranges(void **state)
{
	(void)state;
	struct text_count c;
	/* "Tiranë" has a two-byte ë: byte and UTF-16 offsets part after it. */
	const char *s = "#Tiran\xC3\xAB @alice/list $AAPL https://kanal.al/a_(b) b.org";
	assert_int_equal(text_count(NET_X, s, strlen(s), NULL, &c), 0);
	assert_int_equal(c.nentities, 5);
	const struct {
		enum entity_type t;
		size_t bs, be, us, ue;
	} want[] = {
	    {ENT_HASHTAG, 0, 8, 0, 7}, {ENT_MENTION, 9, 20, 8, 19}, {ENT_CASHTAG, 21, 26, 20, 25},
	    {ENT_URL, 27, 49, 26, 48}, {ENT_URL, 50, 55, 49, 54},
	};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(c.entities[i].type, want[i].t);
		assert_int_equal(c.entities[i].byte_start, want[i].bs);
		assert_int_equal(c.entities[i].byte_end, want[i].be);
		assert_int_equal(c.entities[i].utf16_start, want[i].us);
		assert_int_equal(c.entities[i].utf16_end, want[i].ue);
	}
	text_count_free(&c);
	/* Not entities: a hashtag of digits, a mention inside a word, '&#', a
	 * cashtag of 8 letters, and a remote handle (twitter-text drops a
	 * mention followed by '@' and a domain preceded by one). */
	const char *none = "#2026 hi@alice &#tag $TOOLONGX @user@example.com";
	assert_int_equal(text_count(NET_X, none, strlen(none), NULL, &c), 0);
	assert_int_equal(c.nentities, 0);
	text_count_free(&c);
}

static void test_premium_limit_and_url_weight_come_from_the_limits(void **state)
{
	(void)state;
	struct net_limits lim = {25000, 0, 0, 0, 0, 0};
	struct text_count c;
	char *long_text = rep("a", 1000);
	assert_int_equal(text_count(NET_X, long_text, 1000, &lim, &c), 0);
	assert_int_equal(c.length, 1000);
	assert_int_equal(c.limit, 25000);
	assert_true(c.valid);
	text_count_free(&c);
	free(long_text);
	struct net_limits url = {0, 30, 0, 0, 0, 0};
	assert_int_equal(text_count(NET_X, "example.com", 11, &url, &c), 0);
	assert_int_equal(c.length, 30);
	text_count_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_280_ascii_is_valid_281_is_not),
	    cmocka_unit_test(test_empty_text_is_not_valid),
	    cmocka_unit_test(test_emoji_sequences_weigh_two),
	    cmocka_unit_test(test_cjk_weighs_two_latin_one),
	    cmocka_unit_test(test_every_url_weighs_23),
	    cmocka_unit_test(test_nfc_composed_and_decomposed_count_the_same),
	    cmocka_unit_test(test_over_the_limit_starts_after_the_last_character_that_fits),
	    cmocka_unit_test(test_invalid_characters_make_the_text_invalid),
	    cmocka_unit_test(test_invalid_utf8_is_refused),
	    cmocka_unit_test(test_entities_and_their_ranges),
	    cmocka_unit_test(test_premium_limit_and_url_weight_come_from_the_limits),
	};
	return cmocka_run_group_tests_name("text_x", tests, NULL, NULL);
}
