/* blob: media bytes on disk, content addressed — "<root>/ab/cd/<sha256>"
 * beside the database, written to a private temporary file first and
 * moved into place whole, so that a crash never leaves half a file under a
 * hash. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "media/media.h"

static char data_dir[MEDIA_PATH_MAX] = ".";

void media_set_data_dir(const char *dir)
{
	str_copy(data_dir, dir && *dir ? dir : ".", sizeof data_dir);
}

void media_root(const char *dsn, char *out, size_t size)
{
	if (dsn && (str_starts(dsn, "postgres://") || str_starts(dsn, "postgresql://"))) {
		snprintf(out, size, "%s/media", data_dir);
		return;
	}
	char copy[MEDIA_PATH_MAX];
	str_copy(copy, dsn && *dsn ? dsn : "kanal.db", sizeof copy);
	snprintf(out, size, "%s/media", dirname(copy));
}

void media_blob_path(const char *root, const char *sha256, char *out, size_t size)
{
	snprintf(out, size, "%s/%.2s/%.2s/%s", root, sha256, sha256 + 2, sha256);
}

/* mkdir -p for the folder part of path (up to its last '/'). */
static int make_parents(const char *path)
{
	char p[MEDIA_PATH_MAX];
	str_copy(p, path, sizeof p);
	char *slash = strrchr(p, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int io_error(struct err *e, const char *what, const char *path)
{
	log_error("media: %s %s: %s", what, path, strerror(errno));
	return err_set(e, ERR_IO, "media.io", "", "cannot store the file");
}

/* fsync the folder holding path, so that a rename in it is durable. */
static void sync_parent(const char *path)
{
	char p[MEDIA_PATH_MAX];
	str_copy(p, path, sizeof p);
	int fd = open(dirname(p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int media_tmp_create(const char *root, char *path, size_t size, int *fd, struct err *e)
{
	char name[64];
	crypto_token("up-", 12, name, sizeof name);
	snprintf(path, size, "%s/tmp/%s", root, name);
	if (make_parents(path))
		return io_error(e, "mkdir for", path);
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*fd < 0)
		return io_error(e, "create", path);
	return 0;
}

int media_blob_place(const char *root, const char *tmp, const char *sha256, struct err *e)
{
	char dst[MEDIA_PATH_MAX];
	media_blob_path(root, sha256, dst, sizeof dst);
	struct stat sb;
	if (stat(dst, &sb) == 0) {
		/* The same bytes are stored already. */
		unlink(tmp);
		return 0;
	}
	if (make_parents(dst) || rename(tmp, dst) != 0) {
		int rc = io_error(e, "place", dst);
		unlink(tmp);
		return rc;
	}
	sync_parent(dst);
	return 0;
}

void media_blob_remove(const char *root, const char *sha256)
{
	char path[MEDIA_PATH_MAX + 300], dir[MEDIA_PATH_MAX];
	media_blob_path(root, sha256, path, sizeof path);
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("media: cannot remove %s: %s", path, strerror(errno));
	/* Cached renditions: "<root>/renditions/ab/<sha>.*". */
	snprintf(dir, sizeof dir, "%s/renditions/%.2s", root, sha256);
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t n = strlen(sha256);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, sha256, n) != 0 || de->d_name[n] != '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

void media_tmp_sweep(const char *root)
{
	char dir[MEDIA_PATH_MAX], path[MEDIA_PATH_MAX + 300];
	snprintf(dir, sizeof dir, "%s/tmp", root);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d))) {
		if (!str_starts(de->d_name, "up-") && !str_starts(de->d_name, "ren-"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			n++;
	}
	closedir(d);
	if (n)
		log_info("media: removed %d temporary files left by an earlier run", n);
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* Copy one stored file to dst through a temporary file in dst's root, so
 * that dst is whole or absent. */
static int copy_file(const char *src, const char *dst_root, const char *dst)
{
	char tmp[MEDIA_PATH_MAX];
	int out = -1;
	struct err e;
	err_clear(&e);
	if (media_tmp_create(dst_root, tmp, sizeof tmp, &out, &e))
		return -1;
	int in = open(src, O_RDONLY | O_CLOEXEC), rc = in < 0 ? -1 : 0;
	char b[65536];
	for (ssize_t n; rc == 0 && (n = read(in, b, sizeof b)) != 0;) {
		if (n < 0 || write(out, b, (size_t)n) != n)
			rc = -1;
	}
	if (in >= 0)
		close(in);
	if (rc == 0 && fsync(out) != 0)
		rc = -1;
	close(out);
	if (rc == 0 && (make_parents(dst) || rename(tmp, dst) != 0))
		rc = -1;
	if (rc)
		unlink(tmp);
	return rc;
}

int media_blob_copy_all(const char *src_root, const char *dst_root, long *copied, struct err *e)
{
	*copied = 0;
	char d1[MEDIA_PATH_MAX], d2[MEDIA_PATH_MAX + 8], src[MEDIA_PATH_MAX + 80], dst[MEDIA_PATH_MAX + 80];
	DIR *top = opendir(src_root);
	if (!top)
		return errno == ENOENT ? 0 : io_error(e, "open", src_root);
	int rc = 0;
	struct dirent *a, *b, *c;
	while (rc == 0 && (a = readdir(top))) {
		if (strlen(a->d_name) != 2 || !is_hex(a->d_name, 2))
			continue; /* tmp/, renditions/ (a cache) */
		snprintf(d1, sizeof d1, "%s/%.2s", src_root, a->d_name);
		DIR *mid = opendir(d1);
		while (mid && rc == 0 && (b = readdir(mid))) {
			if (strlen(b->d_name) != 2 || !is_hex(b->d_name, 2))
				continue;
			snprintf(d2, sizeof d2, "%s/%.2s", d1, b->d_name);
			DIR *low = opendir(d2);
			while (low && rc == 0 && (c = readdir(low))) {
				if (strlen(c->d_name) != 64 || !is_hex(c->d_name, 64))
					continue;
				snprintf(src, sizeof src, "%s/%.64s", d2, c->d_name);
				media_blob_path(dst_root, c->d_name, dst, sizeof dst);
				struct stat sb;
				if (stat(dst, &sb) == 0)
					continue; /* content addressed: the same bytes */
				/* Stored files are never changed in place, so a hard
				 * link is a safe copy; another file system gets bytes. */
				if (make_parents(dst) || (link(src, dst) != 0 && copy_file(src, dst_root, dst) != 0))
					rc = io_error(e, "copy", src);
				else
					++*copied;
			}
			if (low)
				closedir(low);
		}
		if (mid)
			closedir(mid);
	}
	closedir(top);
	if (rc == 0 && *copied)
		sync_parent(dst);
	return rc;
}
