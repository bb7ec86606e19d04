/* keyfile: the list of master keys kept beside the database (kanal.key).
 * One key a line, "ID:HEX" (ID a positive integer, HEX 64 hex characters),
 * the current key on the last line; blank lines and lines starting with '#'
 * are ignored. The older format — the file is one 64-hex key and nothing
 * else — is read as key 1. */
#ifndef KANAL_KEYFILE_H
#define KANAL_KEYFILE_H

#include <stddef.h>

#include "base/err.h"

#define KEYFILE_MAX 16

struct keyfile {
	int n;
	struct {
		int id;
		char hex[65];
	} k[KEYFILE_MAX];
};

/* Parse text (NUL-terminated) into kf. ERR_INVALID (key "keyfile.malformed")
 * on a bad line, a repeated id or key, more than KEYFILE_MAX keys or none. */
int keyfile_parse(const char *text, struct keyfile *kf, struct err *e);
/* The current key (the last line). */
#define keyfile_current(kf) (&(kf)->k[(kf)->n - 1])
/* The highest id in the list. */
int keyfile_max_id(const struct keyfile *kf);
/* Write kf as "ID:HEX\n" lines after an optional '#' comment into out
 * (caller frees). */
char *keyfile_format(const struct keyfile *kf, const char *comment);
/* Read and parse the file at path; ERR_NOTFOUND when it does not exist. */
int keyfile_read(const char *path, struct keyfile *kf, struct err *e);
/* Replace the file at path atomically (a 0600 temporary file beside it,
 * fsync, rename, fsync of the directory). */
int keyfile_write(const char *path, const struct keyfile *kf, const char *comment, struct err *e);
/* Wipe kf. */
void keyfile_wipe(struct keyfile *kf);

#endif
