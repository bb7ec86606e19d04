/* Adapting a master text per network: threads, trimming, hashtag caps,
 * LinkedIn escaping (issue 3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/json.h"
#include "text/adapt.h"
#include "text/text.h"

static long length_on(enum network net, const char *s, const struct net_limits *lim)
{
	struct text_count c;
	assert_int_equal(text_count(net, s, strlen(s), lim, &c), 0);
	long n = c.length;
	text_count_free(&c);
	return n;
}

static char *sentences(int n)
{
	struct buf b = BUF_INIT(0);
	for (int i = 0; i < n; i++)
		buf_addf(&b, "Sentence number %d tells a little more about the hotel by the sea. ", i + 1);
	return buf_steal(&b);
}

static void test_long_text_becomes_numbered_thread_on_x(void **state)
{
	(void)state;
	char *s = sentences(12); /* about 800 characters */
	json_t *a = adapt_text(NET_X, s, NULL);
	json_t *thread = json_object_get(a, "thread");
	assert_true(json_is_array(thread));
	size_t n = json_array_size(thread);
	assert_true(n >= 3 && n <= 5);
	struct buf joined = BUF_INIT(0);
	for (size_t i = 0; i < n; i++) {
		const char *part = json_string_value(json_array_get(thread, i));
		assert_true(length_on(NET_X, part, NULL) <= 280);
		char suffix[64];
		snprintf(suffix, sizeof suffix, " %d/%d", (int)(i + 1), (int)n);
		size_t pl = strlen(part), sl = strlen(suffix);
		assert_true(pl > sl);
		assert_string_equal(part + pl - sl, suffix);
		buf_add(&joined, part, pl - sl);
		buf_adds(&joined, " ");
	}
	/* nothing lost: the parts hold every word of the master, in order */
	char *a1 = xstrdup(s), *a2 = xstrdup(buf_cstr(&joined));
	size_t k = 0;
	for (char *p = a1; *p; p++)
		if (*p != ' ')
			a1[k++] = *p;
	a1[k] = 0;
	k = 0;
	for (char *p = a2; *p; p++)
		if (*p != ' ')
			a2[k++] = *p;
	a2[k] = 0;
	assert_string_equal(a1, a2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(a, "notes"), 0), "code")),
			    "adapt.thread");
	free(a1);
	free(a2);
	buf_free(&joined);
	json_decref(a);
	free(s);
}

static void test_short_text_is_left_alone(void **state)
{
	(void)state;
	json_t *a = adapt_text(NET_BLUESKY, "Mirëmëngjes nga Tirana! 🥐", NULL);
	assert_string_equal(json_string_value(json_object_get(a, "text")), "Mirëmëngjes nga Tirana! 🥐");
	assert_true(json_is_null(json_object_get(a, "thread")));
	assert_int_equal(json_array_size(json_object_get(a, "notes")), 0);
	json_decref(a);
}

static void test_trim_at_sentence_on_networks_without_threads(void **state)
{
	(void)state;
	struct net_limits lim = {.max_chars = 200};
	char *s = sentences(6);
	json_t *a = adapt_text(NET_LINKEDIN, s, &lim);
	const char *t = json_string_value(json_object_get(a, "text"));
	assert_true(length_on(NET_LINKEDIN, t, &lim) <= 200);
	size_t n = strlen(t);
	assert_true(n > 100);
	/* ends with a whole sentence and an ellipsis */
	assert_string_equal(t + n - strlen(".…"), ".…");
	assert_true(json_is_null(json_object_get(a, "thread")));
	json_decref(a);
	free(s);
}

static void test_trim_never_splits_a_grapheme(void **state)
{
	(void)state;
	/* 120 family emoji (one grapheme each, 25 bytes) with no spaces */
	struct buf b = BUF_INIT(0);
	for (int i = 0; i < 120; i++)
		buf_adds(&b, "👨‍👩‍👧‍👦");
	struct net_limits lim = {.max_chars = 50};
	json_t *a = adapt_text(NET_TIKTOK, buf_cstr(&b), &lim);
	const char *t = json_string_value(json_object_get(a, "text"));
	size_t n = strlen(t);
	const char *ell = "…";
	assert_string_equal(t + n - strlen(ell), ell);
	/* the body is whole families */
	assert_int_equal((n - strlen(ell)) % strlen("👨‍👩‍👧‍👦"), 0);
	assert_true(utf8_valid(t, n, NULL));
	json_decref(a);
	buf_free(&b);
}

static void test_instagram_hashtags_over_the_cap_are_dropped(void **state)
{
	(void)state;
	const char *s = "Bukë e freskët #a1 #b2 #c3 #d4 #e5 #f6 #g7 #h8";
	json_t *a = adapt_text(NET_INSTAGRAM, s, NULL);
	assert_string_equal(json_string_value(json_object_get(a, "text")), "Bukë e freskët #a1 #b2 #c3 #d4 #e5");
	json_t *note = json_array_get(json_object_get(a, "notes"), 0);
	assert_string_equal(json_string_value(json_object_get(note, "code")), "adapt.hashtags_dropped");
	assert_int_equal(json_integer_value(json_object_get(note, "count")), 3);
	json_decref(a);
}

static void test_linkedin_escaping(void **state)
{
	(void)state;
	char *e = adapt_linkedin_escape("Hello (world) @kanal #tag *bold* _it_ ~x~ <a> [b] {c} | \\");
	assert_string_equal(e, "Hello \\(world\\) \\@kanal \\#tag \\*bold\\* \\_it\\_ \\~x\\~ \\<a\\> \\[b\\] \\{c\\} \\| \\\\");
	free(e);
}

static char *shorten(const char *url, enum network net, void *ctx)
{
	(void)ctx;
	char out[128];
	snprintf(out, sizeof out, "https://k.al/%s%zu", net_name(net), strlen(url));
	return xstrdup(out);
}

static void test_link_hook_replaces_every_detected_url(void **state)
{
	(void)state;
	adapt_link_hook = shorten;
	json_t *a = adapt_text(NET_X, "Book: https://gurikuq.al/june?utm=x and gurikuq.al too", NULL);
	assert_string_equal(json_string_value(json_object_get(a, "text")),
			    "Book: https://k.al/x29 and https://k.al/x10 too");
	json_decref(a);
	adapt_link_hook = NULL;
	a = adapt_text(NET_X, "Book: https://gurikuq.al/june", NULL);
	assert_string_equal(json_string_value(json_object_get(a, "text")), "Book: https://gurikuq.al/june");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_text_becomes_numbered_thread_on_x),
		cmocka_unit_test(test_short_text_is_left_alone),
		cmocka_unit_test(test_trim_at_sentence_on_networks_without_threads),
		cmocka_unit_test(test_trim_never_splits_a_grapheme),
		cmocka_unit_test(test_instagram_hashtags_over_the_cap_are_dropped),
		cmocka_unit_test(test_linkedin_escaping),
		cmocka_unit_test(test_link_hook_replaces_every_detected_url),
	};
	return cmocka_run_group_tests_name("adapt", tests, NULL, NULL);
}
