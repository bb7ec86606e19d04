/* keyfile: parse and write the master key list (see keyfile.h). */
#include "base/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"

static int is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int add(struct keyfile *kf, int id, const char *hex, int line, struct err *e)
{
	if (kf->n >= KEYFILE_MAX)
		return err_set(e, ERR_INVALID, "keyfile.malformed", "", "more than %d keys", KEYFILE_MAX);
	for (int i = 0; i < kf->n; i++) {
		if (kf->k[i].id == id)
			return err_set(e, ERR_INVALID, "keyfile.malformed", "", "line %d: key id %d is listed twice", line,
				       id);
		if (strncasecmp(kf->k[i].hex, hex, 64) == 0)
			return err_set(e, ERR_INVALID, "keyfile.malformed", "", "line %d: the same key is listed twice",
				       line);
	}
	kf->k[kf->n].id = id;
	for (int i = 0; i < 64; i++)
		kf->k[kf->n].hex[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
	kf->k[kf->n].hex[64] = '\0';
	kf->n++;
	return 0;
}

int keyfile_parse(const char *text, struct keyfile *kf, struct err *e)
{
	memset(kf, 0, sizeof *kf);
	/* the older format: one bare key (a newline after it is tolerated) */
	size_t len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	if (is_hex64(text, len))
		return add(kf, 1, text, 1, e);
	int line = 0;
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		line++;
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n && *p != '#') {
			const char *colon = memchr(p, ':', n);
			int id = 0;
			const char *q = p;
			for (; q < p + n && *q >= '0' && *q <= '9' && id < 100000000; q++)
				id = id * 10 + (*q - '0');
			if (!colon || q != colon || q == p || id < 1 || !is_hex64(colon + 1, n - (size_t)(colon + 1 - p)))
				return err_set(e, ERR_INVALID, "keyfile.malformed", "",
					       "line %d: expected ID:KEY (a positive id, 64 hex characters)", line);
			int rc = add(kf, id, colon + 1, line, e);
			if (rc)
				return rc;
		}
		p += n;
		while (*p && *p != '\n')
			p++;
		if (*p == '\n')
			p++;
	}
	if (!kf->n)
		return err_set(e, ERR_INVALID, "keyfile.malformed", "", "no key");
	return 0;
}

int keyfile_max_id(const struct keyfile *kf)
{
	int m = 0;
	for (int i = 0; i < kf->n; i++)
		if (kf->k[i].id > m)
			m = kf->k[i].id;
	return m;
}

char *keyfile_format(const struct keyfile *kf, const char *comment)
{
	struct buf b = BUF_INIT(0);
	if (comment && *comment)
		buf_addf(&b, "# %s\n", comment);
	for (int i = 0; i < kf->n; i++)
		buf_addf(&b, "%d:%s\n", kf->k[i].id, kf->k[i].hex);
	char *out = xstrdup(buf_cstr(&b));
	if (b.ptr)
		sodium_memzero(b.ptr, b.len);
	buf_free(&b);
	return out;
}

int keyfile_read(const char *path, struct keyfile *kf, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e, ERR_NOTFOUND, "keyfile.missing", "", "%s does not exist", path);
		return err_set(e, ERR_IO, "keyfile.read", "", "cannot read %s", path);
	}
	char text[KEYFILE_MAX * 96 + 512];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof text - 1 && (r = read(fd, text + n, sizeof text - 1 - n)) > 0)
		n += (size_t)r;
	char extra;
	int toolong = n == sizeof text - 1 && read(fd, &extra, 1) > 0;
	close(fd);
	text[n] = '\0';
	int rc = toolong ? err_set(e, ERR_INVALID, "keyfile.malformed", "", "%s is too long", path)
			 : keyfile_parse(text, kf, e);
	if (rc && e && !toolong) {
		char msg[sizeof e->msg];
		str_copy(msg, e->msg, sizeof msg);
		err_set(e, rc, "keyfile.malformed", "", "%s: %s", path, msg);
	}
	sodium_memzero(text, sizeof text);
	return rc;
}

int keyfile_write(const char *path, const struct keyfile *kf, const char *comment, struct err *e)
{
	char tmp[1200], dcopy[1200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	str_copy(dcopy, path, sizeof dcopy);
	char *text = keyfile_format(kf, comment);
	size_t len = strlen(text);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd >= 0 && close(fd))
		ok = 0;
	sodium_memzero(text, len);
	free(text);
	if (!ok || rename(tmp, path)) {
		unlink(tmp);
		return err_set(e, ERR_IO, "keyfile.write", "", "cannot write the key file %s", path);
	}
	int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void keyfile_wipe(struct keyfile *kf)
{
	sodium_memzero(kf, sizeof *kf);
}
