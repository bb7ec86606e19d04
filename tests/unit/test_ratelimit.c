/* test_ratelimit: the arithmetic of one learned rate-limit window (calls in
 * flight against what is left, one window vs the next, stale answers,
 * 429s with and without a wait) and the process table's holds, app keys
 * and held-channel list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/ratelimit.h"

static struct net_rate rate(int64_t limit, int64_t remaining, int64_t reset_at)
{
	struct net_rate r = {1, limit, remaining, reset_at};
	return r;
}

static void test_window_counts_calls_in_flight(void **state)
{
	(void)state;
	struct rate_window w;
	rate_window_init(&w);
	int64_t now = 1000000;
	assert_int_equal(rate_window_blocked_until(&w, now), 0); /* nothing known: free */
	struct net_rate r = rate(10, 2, now + 3000);
	assert_int_equal(rate_window_learn(&w, &r, 200, 0, now), 0);
	assert_int_equal(w.remaining, 2);
	rate_window_take(&w);
	assert_int_equal(rate_window_blocked_until(&w, now), 0); /* 2 left, 1 in flight */
	rate_window_take(&w);
	/* 2 left and 2 in flight: a third would be refused */
	int64_t until = rate_window_blocked_until(&w, now);
	assert_true(until >= now + 3000 && until < now + 3000 + 250);
	/* the answers come back: 1 then 0 left; exhausted by the network's word */
	w.inflight = 1;
	r = rate(10, 1, now + 3000);
	assert_int_equal(rate_window_learn(&w, &r, 200, 0, now + 5), 0);
	w.inflight = 0;
	r = rate(10, 0, now + 3000);
	assert_int_equal(rate_window_learn(&w, &r, 200, 0, now + 6), 1); /* newly exhausted */
	until = rate_window_blocked_until(&w, now + 10);
	assert_int_equal(until, now + 3000 + w.jitter_ms);
	assert_true(w.jitter_ms >= 0 && w.jitter_ms < 250);
	/* after the reset (and its jitter) the window opens with its limit */
	assert_int_equal(rate_window_blocked_until(&w, until), 0);
	assert_int_equal(w.remaining, 10);
	assert_int_equal(w.reset_at, -1);
}

static void test_window_out_of_order_and_stale(void **state)
{
	(void)state;
	struct rate_window w;
	rate_window_init(&w);
	int64_t now = 5000000;
	struct net_rate r = rate(60, 3, now + 2000);
	rate_window_learn(&w, &r, 200, 0, now);
	/* a late answer of the same window (reset rounded a second later)
	 * cannot raise what is left */
	r = rate(60, 9, now + 2900);
	rate_window_learn(&w, &r, 200, 0, now + 1);
	assert_int_equal(w.remaining, 3);
	assert_int_equal(w.reset_at, now + 2900); /* the later reset: the safe side */
	/* a reset already past is a late answer from the last window: ignored */
	r = rate(60, 0, now - 10);
	assert_int_equal(rate_window_learn(&w, &r, 200, 0, now + 2), 0);
	assert_int_equal(w.remaining, 3);
	/* a reset more than a second later is a new window */
	r = rate(60, 59, now + 6000);
	rate_window_learn(&w, &r, 200, 0, now + 3);
	assert_int_equal(w.remaining, 59);
	assert_int_equal(w.reset_at, now + 6000);
	/* a much earlier reset (a 429's short window after a long one) is
	 * taken as it is, not held to the long one */
	r = rate(60, 0, now + 2000);
	assert_int_equal(rate_window_learn(&w, &r, 429, 0, now + 4), 1);
	assert_int_equal(w.reset_at, now + 2000);
	assert_true(rate_window_blocked_until(&w, now + 4) < now + 2250);
	/* a reset absurdly far away (a clock gone wrong) is not believed */
	struct rate_window x;
	rate_window_init(&x);
	r = rate(5, 0, now + 48LL * 3600 * 1000);
	assert_int_equal(rate_window_learn(&x, &r, 200, 0, now), 0);
	assert_int_equal(rate_window_blocked_until(&x, now), 0);
}

static void test_window_429(void **state)
{
	(void)state;
	int64_t now = 9000000;
	/* Retry-After: held that long (plus jitter) */
	struct rate_window w;
	rate_window_init(&w);
	assert_int_equal(rate_window_learn(&w, NULL, 429, 4000, now), 1);
	int64_t until = rate_window_blocked_until(&w, now);
	assert_true(until >= now + 4000 && until < now + 4250);
	/* no Retry-After but a known reset: out of calls until it */
	rate_window_init(&w);
	struct net_rate r = rate(10, 4, now + 2000);
	rate_window_learn(&w, &r, 200, 0, now);
	assert_int_equal(rate_window_learn(&w, NULL, 429, 0, now + 1), 1);
	assert_int_equal(w.remaining, 0);
	assert_true(rate_window_blocked_until(&w, now + 1) >= now + 2000);
	/* nothing at all: a short default hold */
	rate_window_init(&w);
	assert_int_equal(rate_window_learn(&w, NULL, 429, 0, now), 1);
	until = rate_window_blocked_until(&w, now);
	assert_true(until >= now + 5000 && until < now + 5250);
	/* a 200 with calls left is not a hold */
	rate_window_init(&w);
	r = rate(10, 9, now + 2000);
	assert_int_equal(rate_window_learn(&w, &r, 200, 0, now), 0);
	assert_int_equal(rate_window_blocked_until(&w, now), 0);
}

static void test_app_key(void **state)
{
	(void)state;
	char k[256];
	ratelimit_app_key("webhook", "https://hooks.example.com:8443/a/b?x=1", NULL, k, sizeof k);
	assert_string_equal(k, "app:webhook:https://hooks.example.com:8443");
	ratelimit_app_key("mastodon", "https://mastodon.social", "cid-1", k, sizeof k);
	assert_string_equal(k, "app:mastodon:https://mastodon.social:cid-1");
	ratelimit_app_key("x", NULL, "", k, sizeof k);
	assert_string_equal(k, "app:x:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window_counts_calls_in_flight),
	    cmocka_unit_test(test_window_out_of_order_and_stale),
	    cmocka_unit_test(test_window_429),
	    cmocka_unit_test(test_app_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
