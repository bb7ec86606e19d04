/* bench/publish/seed.c: makes the bench's posts through kanal's own post
 * services (post_create, then post_transition schedule — what the API and
 * the CSV import run), straight from libkanal.a into the database a
 * running `kanal serve` uses, many posts per transaction so that making
 * 100,000 takes seconds, not minutes.
 *
 * usage: seed DB WORKSPACE POSTS WINDOW_MS
 *
 * Post i goes to the workspace's webhook channel i mod C (C = how many
 * there are), with text "bench post i", due at START + i * WINDOW_MS /
 * POSTS. START is chosen after the creation: first a sample of posts is
 * made and rolled back to time one post, then START = now + the time the
 * whole creation should take, x1.5, + 2 s, so that every post falls due
 * after the last is committed. Prints:
 *
 *   posts=N channels=C start_ms=S window_ms=W created_s=T rate=R slack_ms=X
 *
 * slack_ms: START minus the end of the creation (negative: some posts fell
 * due before they existed; the run script refuses the figures then). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/time.h"
#include "core/content.h"
#include "core/core.h"
#include "store/store.h"

#define SEED_BATCH 1000 /* posts per transaction */
#define SEED_SAMPLE 300 /* posts made and rolled back to time one */

static int64_t *chans;
static size_t nchans;

static int make(struct store *st, const struct actor *a, int64_t ws, long i, int64_t due, struct err *e)
{
	char text[64], when[40];
	snprintf(text, sizeof text, "bench post %ld", i);
	json_t *f = json_pack("{ss s[I]}", "master_text", text, "channel_ids", (json_int_t)chans[(size_t)i % nchans]);
	json_t *post = NULL;
	int rc = post_create(st, a, ws, f, &post, e);
	json_decref(f);
	if (rc)
		return rc;
	int64_t id = json_integer_value(json_object_get(post, "id"));
	json_decref(post);
	time_fmt_rfc3339(due, when, sizeof when);
	json_t *args = json_pack("{ss}", "scheduled_at", when), *out = NULL;
	rc = post_transition(st, a, ROLE_OWNER, ws, id, POST_SCHEDULE, args, &out, e);
	json_decref(args);
	json_decref(out);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: seed DB WORKSPACE POSTS WINDOW_MS\n");
		return 2;
	}
	int64_t ws = atoll(argv[2]), window = atoll(argv[4]);
	long n = atol(argv[3]);
	struct err e;
	err_clear(&e);
	struct store *st;
	if (store_open(argv[1], &st, &e)) {
		fprintf(stderr, "seed: %s\n", e.msg);
		return 1;
	}
	struct actor a;
	actor_cli(&a);
	json_t *list = NULL, *c;
	size_t k;
	if (channel_list(st, ws, &list, &e)) {
		fprintf(stderr, "seed: %s\n", e.msg);
		return 1;
	}
	chans = calloc(json_array_size(list) + 1, sizeof *chans);
	json_array_foreach(list, k, c) if (strcmp(json_string_value(json_object_get(c, "network")), "webhook") == 0)
	    chans[nchans++] = json_integer_value(json_object_get(c, "id"));
	json_decref(list);
	if (!nchans) {
		fprintf(stderr, "seed: workspace %lld has no webhook channel\n", (long long)ws);
		return 1;
	}
	/* one post's cost, measured on a sample that is rolled back */
	int64_t t0 = time_mono_ns();
	if (store_begin(st, &e))
		goto fail;
	for (long i = 0; i < SEED_SAMPLE; i++)
		if (make(st, &a, ws, i, time_now_ms() + 3600000, &e)) {
			store_rollback(st);
			goto fail;
		}
	store_rollback(st);
	double per_post = (double)(time_mono_ns() - t0) / 1e9 / SEED_SAMPLE;
	int64_t begin = time_now_ms();
	int64_t start = begin + (int64_t)(per_post * (double)n * 1.5 * 1000) + 2000;
	for (long i = 0; i < n;) {
		if (store_begin(st, &e))
			goto fail;
		for (long b = 0; b < SEED_BATCH && i < n; b++, i++)
			if (make(st, &a, ws, i, start + (int64_t)((double)i * (double)window / (double)n), &e)) {
				store_rollback(st);
				goto fail;
			}
		if (store_commit(st, &e)) {
			store_rollback(st);
			goto fail;
		}
	}
	int64_t end = time_now_ms();
	printf("posts=%ld channels=%zu start_ms=%lld window_ms=%lld created_s=%.2f rate=%.0f slack_ms=%lld\n", n,
	       nchans, (long long)start, (long long)window, (double)(end - begin) / 1000.0,
	       (double)n / ((double)(end - begin) / 1000.0 + 1e-9), (long long)(start - end));
	store_close(st);
	return 0;
fail:
	fprintf(stderr, "seed: %s: %s\n", e.key, e.msg);
	store_close(st);
	return 1;
}
