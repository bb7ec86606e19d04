/* test_publish: the pieces of the publishing engine that need no network —
 * the SSRF guard's address ranges and its refusals at connect time, the
 * webhook signature, sealed credentials, backoff with jitter, and the
 * durable queue (idempotent enqueue, leases, pauses, reaping the leases of
 * a dead process) over a temporary database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/time.h"
#include "core/content.h"
#include "core/core.h"
#include "core/publish.h"
#include "jobs/jobs.h"
#include "net/http_client.h"
#include "store/store.h"

/* ---- the SSRF guard ---------------------------------------------------- */

static int blocked(const char *addr, int loopback_ok)
{
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1)
		return http_addr_blocked((struct sockaddr *)&a4, loopback_ok);
	if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1)
		return http_addr_blocked((struct sockaddr *)&a6, loopback_ok);
	fail_msg("bad address in the test: %s", addr);
	return -1;
}

static void test_ssrf_ranges(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"127.0.0.1",	   "127.255.1.2",	 "0.0.0.0",	     "10.0.0.1",	"10.255.255.255",
		"100.64.0.1",	   "100.127.255.254",	 "169.254.169.254",  "172.16.0.1",	"172.31.255.255",
		"192.168.1.1",	   "192.0.0.8",		 "192.0.2.1",	     "198.18.0.1",	"198.51.100.7",
		"203.0.113.9",	   "224.0.0.1",		 "239.255.255.250",  "240.0.0.1",	"255.255.255.255",
		"::",		   "::1",		 "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
		"::127.0.0.1",	   "64:ff9b::a00:1",	 "fe80::1",	     "fc00::1",		"fd12:3456::1",
		"ff02::1",	   "2001:db8::1",	 "2002:7f00:1::",    "2001::1",		"100::1",
		"fec0::1",
	};
	static const char *const good[] = {"93.184.216.34", "1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1",
					   "192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e",
					   "::ffff:93.184.216.34"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (!blocked(bad[i], 0))
			fail_msg("%s should be blocked", bad[i]);
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (blocked(good[i], 0))
			fail_msg("%s should be allowed", good[i]);
	/* the test allowlist opens loopback only */
	assert_false(blocked("127.0.0.1", 1));
	assert_false(blocked("::1", 1));
	assert_false(blocked("::ffff:127.0.0.1", 1));
	assert_true(blocked("10.0.0.1", 1));
	assert_true(blocked("169.254.169.254", 1));
	assert_true(blocked("::", 1));
	assert_true(blocked("0.0.0.0", 1));
}

/* Every spelling of loopback is refused when the socket would open: nothing
 * is sent. (KANAL_NET_ALLOW_LOOPBACK is not set in this process.) */
static void test_ssrf_at_connect_time(void **state)
{
	(void)state;
	assert_int_equal(http_client_loopback_allowed(), 0);
	static const char *const urls[] = {
		"http://127.0.0.1:9/",	 "http://2130706433:9/", "http://0x7f000001:9/", "http://0177.0.0.1:9/",
		"http://127.1:9/",	 "http://[::1]:9/",	 "http://[::ffff:127.0.0.1]:9/", "http://localhost:9/",
		"http://[::]:9/",	 "http://0.0.0.0:9/",	 "http://169.254.169.254/latest/meta-data/",
	};
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		struct http_request rq = {.method = "POST", .url = urls[i], .body = "{}", .body_len = 2, .timeout_ms = 2000};
		struct http_response rs;
		int rc = http_client_do(&rq, &rs);
		if (rc != -1 || rs.error != HTTPC_BLOCKED || rs.sent)
			fail_msg("%s: rc %d error %d sent %d (%s)", urls[i], rc, (int)rs.error, rs.sent, rs.message);
		assert_non_null(strstr(rs.message, "not allowed"));
		http_response_free(&rs);
	}
	static const char *const schemes[] = {"ftp://example.com/", "file:///etc/passwd", "gopher://x/", "dict://x/",
					      "example.com"};
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		struct http_request rq = {.method = "GET", .url = schemes[i]};
		struct http_response rs;
		assert_int_equal(http_client_do(&rq, &rs), -1);
		assert_int_equal(rs.error, HTTPC_BLOCKED);
		http_response_free(&rs);
	}
}

/* ---- signatures and sealed credentials --------------------------------- */

static void test_webhook_signature_is_hmac_sha256(void **state)
{
	(void)state;
	char hex[65];
	/* RFC 4231 test case 2 */
	crypto_hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* a key longer than the block size (test case 6) */
	unsigned char key[131];
	memset(key, 0xaa, sizeof key);
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	crypto_hmac_hex(key, sizeof key, msg, strlen(msg), hex);
	assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_sealed_credentials(void **state)
{
	(void)state;
	assert_int_equal(crypto_set_master_key("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 0);
	const char *secret = "{\"secret\":\"whsec-very-secret\"}";
	char *s = crypto_seal(ACCOUNT_PURPOSE, "channel:7", secret, strlen(secret));
	assert_null(strstr(s, "very-secret"));
	assert_int_equal(s[0], 'k'); /* the key id prefix */
	assert_non_null(strchr(s, '.'));
	size_t n = 0;
	char *back = crypto_open(ACCOUNT_PURPOSE, "channel:7", s, &n);
	assert_non_null(back);
	assert_int_equal(n, strlen(secret));
	assert_string_equal(back, secret);
	crypto_free_secret(back);
	/* another row's associated data, another purpose, a changed byte: nothing */
	assert_null(crypto_open(ACCOUNT_PURPOSE, "channel:8", s, &n));
	assert_null(crypto_open("share-link", "channel:7", s, &n));
	char *t = xstrdup(s);
	size_t len = strlen(t);
	t[len - 3] = t[len - 3] == 'A' ? 'B' : 'A';
	assert_null(crypto_open(ACCOUNT_PURPOSE, "channel:7", t, &n));
	free(t);
	/* two seals of the same text differ (random nonce) */
	char *s2 = crypto_seal(ACCOUNT_PURPOSE, "channel:7", secret, strlen(secret));
	assert_string_not_equal(s, s2);
	/* under another master key: the key id no longer matches */
	assert_int_equal(crypto_set_master_key("fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"), 0);
	assert_null(crypto_open(ACCOUNT_PURPOSE, "channel:7", s, &n));
	free(s);
	free(s2);
}

static void test_backoff_doubles_with_jitter(void **state)
{
	(void)state;
	/* jitter [0.5, 1.5) of base * 2^(attempt-1), capped */
	assert_int_equal(jobs_backoff_ms(1, 1000, 3600000, 0), 500);
	assert_int_equal(jobs_backoff_ms(1, 1000, 3600000, 0x80000000u), 1000);
	assert_true(jobs_backoff_ms(1, 1000, 3600000, 0xffffffffu) < 1500);
	assert_int_equal(jobs_backoff_ms(3, 1000, 3600000, 0), 2000);
	assert_int_equal(jobs_backoff_ms(3, 1000, 3600000, 0x80000000u), 4000);
	assert_int_equal(jobs_backoff_ms(30, 1000, 60000, 0x80000000u), 60000);
	assert_int_equal(jobs_backoff_ms(0, 1000, 60000, 0), 500);
	/* the jitter spreads many retries over the window */
	int64_t lo = INT64_MAX, hi = 0;
	for (int i = 0; i < 200; i++) {
		uint32_t r;
		crypto_random(&r, sizeof r);
		int64_t d = jobs_backoff_ms(2, 30000, 3600000, r);
		assert_true(d >= 30000 && d < 90000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(hi - lo > 30000);
}

/* ---- the queue --------------------------------------------------------- */

struct fx {
	char dir[64], db[96];
	struct store *st;
	int64_t ws;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	str_copy(f->dir, "/tmp/kanal-unit-XXXXXX", sizeof f->dir);
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof f->db, "%s/kanal.db", f->dir);
	struct err e;
	err_clear(&e);
	int applied = 0;
	if (store_open(f->db, &f->st, &e) || f->st->ops->migrate(f->st, &applied, &e))
		return -1;
	struct actor cli;
	actor_cli(&cli);
	struct workspace w;
	if (workspace_create(f->st, &cli, "Queue", "UTC", "en", "EUR", 0, &w, &e))
		return -1;
	f->ws = w.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	const char *files[] = {"kanal.db", "kanal.db-wal", "kanal.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_queue_enqueue_is_idempotent_by_key(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	int64_t id1 = 0, id2 = 0;
	int64_t now = time_now_ms();
	assert_int_equal(jobs_enqueue(f->st, "publish", "{\"n\":1}", f->ws, 5, now - 10, 6, "publish:v1-1", &id1, &e), 0);
	assert_true(id1 > 0);
	assert_int_equal(jobs_enqueue(f->st, "publish", "{\"n\":2}", f->ws, 5, now - 10, 6, "publish:v1-1", &id2, &e), 0);
	assert_int_equal(id2, 0);
	struct jobs_stats s;
	assert_int_equal(jobs_stats(f->st, time_now_ms(), &s, &e), 0);
	assert_int_equal(s.open, 1);
	assert_int_equal(s.due, 1);
	assert_true(s.oldest_due > 0 && s.oldest_due <= now);
}

static void test_queue_lease_retry_dead(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	int64_t id = 0, later = 0, now = time_now_ms();
	assert_int_equal(jobs_enqueue(f->st, "publish", "{\"publication_id\":42}", f->ws, 5, now - 5, 3, "k1", &id, &e), 0);
	assert_int_equal(jobs_enqueue(f->st, "publish", "{}", f->ws, 5, now + 60000, 3, "k2", &later, &e), 0);
	struct job j, j2;
	assert_int_equal(jobs_claim(f->st, "h:1:b:t1", 60000, &j, &e), 1);
	assert_int_equal(j.id, id);
	assert_string_equal(j.kind, "publish");
	assert_int_equal(json_integer_value(json_object_get(j.payload, "publication_id")), 42);
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.channel_id, 5);
	/* leased: nobody else gets it; the later job is not due */
	assert_int_equal(jobs_claim(f->st, "h:1:b:t2", 60000, &j2, &e), 0);
	/* a retry puts it back at run_at with the error; another owner cannot touch it */
	assert_int_equal(jobs_retry(f->st, &j, "someone-else", now - 1, "nope", &e), 0);
	assert_int_equal(store_changes(f->st), 0);
	assert_int_equal(jobs_retry(f->st, &j, "h:1:b:t1", now - 1, "HTTP 500", &e), 0);
	assert_int_equal(store_changes(f->st), 1);
	jobs_job_free(&j);
	assert_int_equal(jobs_claim(f->st, "h:1:b:t2", 60000, &j, &e), 1);
	assert_int_equal(j.attempts, 2);
	assert_int_equal(jobs_dead(f->st, &j, "h:1:b:t2", "gave up: HTTP 500", &e), 0);
	jobs_job_free(&j);
	assert_int_equal(jobs_claim(f->st, "h:1:b:t2", 60000, &j, &e), 0);
	struct jobs_stats s;
	assert_int_equal(jobs_stats(f->st, time_now_ms(), &s, &e), 0);
	assert_int_equal(s.dead, 1);
	assert_int_equal(s.open, 1); /* the later one */
	assert_int_equal(s.due, 0);
}

static void test_queue_expired_lease_is_claimed_again(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	int64_t id = 0;
	assert_int_equal(jobs_enqueue(f->st, "publish", "{}", f->ws, 5, time_now_ms() - 5, 3, "k", &id, &e), 0);
	struct job j;
	assert_int_equal(jobs_claim(f->st, "other-host:1:b:t1", 1, &j, &e), 1);
	jobs_job_free(&j);
	usleep(20000);
	assert_int_equal(jobs_claim(f->st, "me:2:b:t1", 60000, &j, &e), 1);
	assert_int_equal(j.id, id);
	assert_int_equal(j.attempts, 2);
	jobs_job_free(&j);
}

static void test_queue_pause_holds_scope(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	int64_t a = 0, b = 0, now = time_now_ms();
	assert_int_equal(jobs_enqueue(f->st, "publish", "{}", f->ws, 5, now - 5, 3, "a", &a, &e), 0);
	assert_int_equal(jobs_enqueue(f->st, "publish", "{}", f->ws, 6, now - 4, 3, "b", &b, &e), 0);
	struct actor cli;
	actor_cli(&cli);
	json_t *out = NULL;
	assert_int_equal(publishing_pause(f->st, &cli, f->ws, 0, "crisis", &out, &e), 0);
	json_decref(out);
	struct job j;
	assert_int_equal(jobs_claim(f->st, "h:1:b:t1", 60000, &j, &e), 0);
	struct jobs_stats s;
	assert_int_equal(jobs_stats(f->st, time_now_ms(), &s, &e), 0);
	assert_int_equal(s.due, 0); /* paused work is not overdue work */
	assert_int_equal(s.open, 2);
	/* resuming the workspace releases both, in due order */
	assert_int_equal(publishing_resume(f->st, &cli, f->ws, 0, &out, &e), 0);
	json_decref(out);
	assert_int_equal(jobs_claim(f->st, "h:1:b:t1", 60000, &j, &e), 1);
	assert_int_equal(j.id, a);
	jobs_job_free(&j);
	assert_int_equal(jobs_claim(f->st, "h:1:b:t1", 60000, &j, &e), 1);
	assert_int_equal(j.id, b);
	jobs_job_free(&j);
}

/* A worker of this host whose process is gone: its leases are released at
 * once, not when they run out. Leases of other hosts are left alone. */
static void test_queue_reaps_dead_owners(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	char me[160], host[64];
	jobs_owner(1, me, sizeof me);
	str_copy(host, me, sizeof host);
	*strchr(host, ':') = '\0';
	char dead[200], foreign[200], old_me[200];
	pid_t child = fork(); /* a process that is gone by the time we look */
	if (child == 0)
		_exit(0);
	assert_true(child > 0);
	waitpid(child, NULL, 0);
	snprintf(dead, sizeof dead, "%s:%ld:zzzz:t1", host, (long)child);
	snprintf(foreign, sizeof foreign, "elsewhere-%s:%d:zzzz:t1", host, 1);
	snprintf(old_me, sizeof old_me, "%s:%ld:oldboot:t1", host, (long)getpid());
	const char *owners[] = {dead, foreign, old_me, me};
	int64_t now = time_now_ms();
	for (int i = 0; i < 4; i++) {
		char key[16];
		snprintf(key, sizeof key, "r%d", i);
		int64_t id = 0;
		assert_int_equal(jobs_enqueue(f->st, "publish", "{}", f->ws, 5, now - 100 + i, 3, key, &id, &e), 0);
		struct job j;
		assert_int_equal(jobs_claim(f->st, owners[i], 600000, &j, &e), 1);
		jobs_job_free(&j);
	}
	int released = -1;
	assert_int_equal(jobs_reap(f->st, &released, &e), 0);
	assert_int_equal(released, 2); /* the dead process and this process's earlier life */
	struct job j;
	assert_int_equal(jobs_claim(f->st, "x:1:b:t9", 600000, &j, &e), 1);
	assert_int_equal(j.attempts, 2);
	jobs_job_free(&j);
	assert_int_equal(jobs_claim(f->st, "x:1:b:t9", 600000, &j, &e), 1);
	jobs_job_free(&j);
	assert_int_equal(jobs_claim(f->st, "x:1:b:t9", 600000, &j, &e), 0);
}


static int count_rows(struct store *st, int64_t ws, int64_t post, json_t **pubs)
{
	struct err e;
	err_clear(&e);
	json_decref(*pubs);
	*pubs = NULL;
	if (publication_list_post(st, ws, post, pubs, &e))
		fail_msg("%s", e.msg);
	return (int)json_array_size(*pubs);
}

/* Each occurrence of a recurring post becomes its own publication and job,
 * one tick at a time, and the post's state follows its publications: back
 * to scheduled between occurrences, published after the last. */
static void test_plan_each_occurrence(void **state)
{
	struct fx *f = *state;
	struct err e;
	err_clear(&e);
	struct actor cli;
	actor_cli(&cli);
	json_t *ch = NULL, *post = NULL, *out = NULL, *pubs = NULL;
	json_t *cf = json_pack("{ss ss}", "network", "webhook", "name", "Hook");
	assert_int_equal(channel_create(f->st, &cli, f->ws, cf, &ch, &e), 0);
	json_t *pf = json_pack("{ss s[I]}", "master_text", "daily special", "channel_ids",
			       (json_int_t)json_integer_value(json_object_get(ch, "id")));
	assert_int_equal(post_create(f->st, &cli, f->ws, pf, &post, &e), 0);
	int64_t id = json_integer_value(json_object_get(post, "id"));
	int64_t first = (time_now_ms() / 60000 + 60) * 60000; /* a whole minute an hour ahead */
	char at[40];
	time_fmt_rfc3339(first, at, sizeof at);
	json_t *args = json_pack("{ss s{ss si}}", "scheduled_at", at, "recurrence", "freq", "daily", "count", 3);
	if (post_transition(f->st, &cli, ROLE_OWNER, f->ws, id, POST_SCHEDULE, args, &out, &e))
		fail_msg("schedule: %s %s", e.key, e.msg);
	json_decref(out);
	out = NULL;
	/* not due yet: nothing */
	assert_int_equal(jobs_plan(f->st, first - 1, &e), 0);
	assert_int_equal(count_rows(f->st, f->ws, id, &pubs), 0);
	/* due: one publication and one job, the post publishing */
	assert_int_equal(jobs_plan(f->st, first, &e), 1);
	assert_int_equal(count_rows(f->st, f->ws, id, &pubs), 1);
	json_t *p = json_array_get(pubs, 0);
	assert_string_equal(json_string_value(json_object_get(p, "state")), "pending");
	char want[40];
	time_fmt_rfc3339(first, want, sizeof want);
	assert_string_equal(json_string_value(json_object_get(p, "due_at")), want);
	assert_int_equal(jobs_plan(f->st, first + 1000, &e), 0); /* planned once */
	assert_int_equal(post_get(f->st, f->ws, id, &out, &e), 0);
	assert_string_equal(json_string_value(json_object_get(out, "state")), "publishing");
	json_decref(out);
	/* published: back to scheduled, the next occurrence waits */
	int64_t pid = json_integer_value(json_object_get(p, "id"));
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(publication_finish(f->st, f->ws, pid, "pending", "published", "r1", "https://x.test/1", NULL,
					    NULL, &e),
			 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(post_get(f->st, f->ws, id, &out, &e), 0);
	assert_string_equal(json_string_value(json_object_get(out, "state")), "scheduled");
	json_decref(out);
	/* a day later, the second; then the third; then no more */
	int64_t day = 86400000;
	assert_int_equal(jobs_plan(f->st, first + 3 * day, &e), 1);
	assert_int_equal(jobs_plan(f->st, first + 3 * day, &e), 1);
	assert_int_equal(jobs_plan(f->st, first + 3 * day, &e), 0);
	assert_int_equal(count_rows(f->st, f->ws, id, &pubs), 3);
	/* latest first, one day apart, each with its own key */
	int64_t d0 = 0, d1 = 0, d2 = 0;
	time_parse_rfc3339(json_string_value(json_object_get(json_array_get(pubs, 0), "due_at")), &d0);
	time_parse_rfc3339(json_string_value(json_object_get(json_array_get(pubs, 1), "due_at")), &d1);
	time_parse_rfc3339(json_string_value(json_object_get(json_array_get(pubs, 2), "due_at")), &d2);
	assert_int_equal(d2, first);
	assert_int_equal(d1 - d2, day); /* UTC: no DST */
	assert_int_equal(d0 - d1, day);
	assert_string_not_equal(json_string_value(json_object_get(json_array_get(pubs, 0), "idempotency_key")),
				json_string_value(json_object_get(json_array_get(pubs, 1), "idempotency_key")));
	struct jobs_stats s;
	assert_int_equal(jobs_stats(f->st, first + 3 * day, &s, &e), 0);
	assert_int_equal(s.open, 3); /* one job per occurrence (publication_finish leaves jobs to its caller) */
	json_decref(pubs);
	json_decref(ch);
	json_decref(post);
	json_decref(cf);
	json_decref(pf);
	json_decref(args);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	log_set_level(LOG_ERROR);
	if (crypto_init() || http_client_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ssrf_ranges),
	    cmocka_unit_test(test_ssrf_at_connect_time),
	    cmocka_unit_test(test_webhook_signature_is_hmac_sha256),
	    cmocka_unit_test(test_sealed_credentials),
	    cmocka_unit_test(test_backoff_doubles_with_jitter),
	    T(test_queue_enqueue_is_idempotent_by_key),
	    T(test_queue_lease_retry_dead),
	    T(test_queue_expired_lease_is_claimed_again),
	    T(test_queue_pause_holds_scope),
	    T(test_queue_reaps_dead_owners),
	    T(test_plan_each_occurrence),
	};
	int failed = cmocka_run_group_tests_name("publish", tests, NULL, NULL);
	http_client_cleanup();
	return failed;
}
