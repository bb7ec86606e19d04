/* throttle: failed-login counting per account and per address, in memory
 * (one process serves one database; a restart forgets, which only ever
 * makes sign-in easier for the rightful user). */
#include <pthread.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "core/core.h"

#define SLOTS 4096
#define WINDOW_MS (15 * 60 * 1000)
#define MAX_FAILS 5 /* per key and window; callers key addresses with a higher budget */

struct slot {
	char key[65];
	int fails;
	int64_t window_start;
	int64_t locked_until;
};

static struct slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct slot *find(const char *key, int create)
{
	char h[65];
	crypto_hash_hex(key, strlen(key), h);
	unsigned idx = 0;
	for (int i = 0; i < 8; i++)
		idx = idx * 16 + (unsigned)(h[i] <= '9' ? h[i] - '0' : h[i] - 'a' + 10);
	int64_t now = time_now_ms();
	struct slot *oldest = NULL;
	for (int probe = 0; probe < 8; probe++) {
		struct slot *s = &slots[(idx + (unsigned)probe) % SLOTS];
		if (strcmp(s->key, h) == 0)
			return s;
		if (!oldest || s->window_start < oldest->window_start)
			oldest = s;
	}
	if (!create)
		return NULL;
	/* Evict the stalest slot among the probes. */
	memset(oldest, 0, sizeof *oldest);
	str_copy(oldest->key, h, sizeof oldest->key);
	oldest->window_start = now;
	return oldest;
}

static int budget(const char *key)
{
	return str_starts(key, "ip:") ? 4 * MAX_FAILS : MAX_FAILS;
}

int throttle_wait(const char *key)
{
	pthread_mutex_lock(&lock);
	struct slot *s = find(key, 0);
	int64_t now = time_now_ms();
	int wait = 0;
	if (s && s->locked_until > now)
		wait = (int)((s->locked_until - now + 999) / 1000);
	pthread_mutex_unlock(&lock);
	return wait;
}

void throttle_fail(const char *key)
{
	pthread_mutex_lock(&lock);
	struct slot *s = find(key, 1);
	int64_t now = time_now_ms();
	if (now - s->window_start > WINDOW_MS) {
		s->fails = 0;
		s->window_start = now;
	}
	if (++s->fails >= budget(key))
		s->locked_until = s->window_start + WINDOW_MS;
	pthread_mutex_unlock(&lock);
}

void throttle_reset(const char *key)
{
	pthread_mutex_lock(&lock);
	struct slot *s = find(key, 0);
	if (s)
		memset(s, 0, sizeof *s);
	pthread_mutex_unlock(&lock);
}

void throttle_clear_all(void)
{
	pthread_mutex_lock(&lock);
	memset(slots, 0, sizeof slots);
	pthread_mutex_unlock(&lock);
}
