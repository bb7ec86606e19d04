/* store: backend selection, per-thread connections and small helpers shared
 * by every backend. */
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

int store_is_pg(const char *dsn)
{
	return dsn && (str_starts(dsn, "postgres://") || str_starts(dsn, "postgresql://"));
}

/* "postgres://user:secret@host/db" -> "postgres://user:***@host/db". */
void store_dsn_safe(const char *dsn, char *out, size_t size)
{
	str_copy(out, dsn ? dsn : "", size);
	if (!store_is_pg(out))
		return;
	char *auth = strstr(out, "://") + 3;
	char *at = strchr(auth, '@'), *colon = strchr(auth, ':');
	if (at && colon && colon < at) {
		char rest[1024];
		str_copy(rest, at, sizeof rest);
		snprintf(colon, size - (size_t)(colon - out), ":***%s", rest);
	}
	/* a password given as a parameter: ?password=... */
	char *pw = strstr(out, "password=");
	if (pw)
		str_copy(pw, "password=***", size - (size_t)(pw - out));
}

int store_open(const char *dsn, struct store **out, struct err *e)
{
	if (!dsn || !*dsn)
		return err_set(e, ERR_INVALID, "store.dsn", "", "no database given (KANAL_DB)");
	if (store_is_pg(dsn))
		return store_pg_ops.open(dsn, out, e);
	return store_sqlite_ops.open(dsn, out, e);
}

void store_close(struct store *st)
{
	if (st)
		st->ops->close(st);
}

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_dtor(void *p)
{
	store_close(p);
}

static void thread_init(void)
{
	pthread_key_create(&thread_key, thread_dtor);
}

struct store *store_thread(const char *dsn, struct err *e)
{
	pthread_once(&thread_once, thread_init);
	struct store *st = pthread_getspecific(thread_key);
	if (st)
		return st;
	if (store_open(dsn, &st, e))
		return NULL;
	pthread_setspecific(thread_key, st);
	return st;
}

void store_thread_close(void)
{
	pthread_once(&thread_once, thread_init);
	struct store *st = pthread_getspecific(thread_key);
	if (st) {
		pthread_setspecific(thread_key, NULL);
		store_close(st);
	}
}

static int first_int(void *ctx, struct store_row *r)
{
	void **c = ctx;
	struct store *st = c[0];
	*(int64_t *)c[1] = store_int(st, r, 0);
	*(int *)c[2] = 1;
	return 1;
}

int store_one_int(struct store *st, enum store_q q, const struct store_val *args, size_t n, int64_t *out,
		  struct err *e)
{
	int found = 0;
	void *ctx[3] = {st, out, &found};
	int rc = store_exec(st, q, args, n, first_int, ctx, e);
	if (rc < 0)
		return rc;
	if (!found)
		return err_set(e, ERR_NOTFOUND, NULL, "", "no such row");
	return 0;
}

static int cmp_name(const void *k, const void *f)
{
	return strcmp(k, ((const struct embedded_file *)f)->name);
}

const struct embedded_file *embedded_find(const char *name)
{
	return bsearch(name, embedded_files, embedded_count, sizeof embedded_files[0], cmp_name);
}
