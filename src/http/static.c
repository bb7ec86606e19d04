/* static: the browser UI — files embedded at build time (or read from
 * KANAL_WEB_DIR), with content types, ETags and caching. Unknown paths
 * without an extension get index.html (the UI routes in the browser). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypto.h"
#include "http/http.h"

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
	{".json", "application/json"},          {".svg", "image/svg+xml"},
	{".png", "image/png"},                  {".ico", "image/x-icon"},
	{".woff2", "font/woff2"},               {".txt", "text/plain; charset=utf-8"},
	{".webmanifest", "application/manifest+json"},
};

static const char *type_of(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t k = strlen(types[i].ext);
		if (n > k && strcmp(name + n - k, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

/* Read web_dir/rel into out (caller frees); -1 when absent or unsafe. */
static int read_dir_file(const char *dir, const char *rel, struct buf *out)
{
	if (strstr(rel, "..") || strchr(rel, '\\'))
		return -1;
	struct buf path = BUF_INIT(4096);
	if (buf_addf(&path, "%s/%s", dir, rel)) {
		buf_free(&path);
		return -1;
	}
	int fd = open(buf_cstr(&path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	buf_free(&path);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (16 << 20)) {
		close(fd);
		return -1;
	}
	char chunk[8192];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(out, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int serve(struct req *r, const char *name, const void *data, size_t len)
{
	const char *type = type_of(name);
	if (!type)
		return 0;
	char hash[65], etag[24];
	crypto_hash_hex(data, len, hash);
	snprintf(etag, sizeof etag, "\"%.16s\"", hash);
	r->cache_static = 1;
	resp_header(r, "ETag", etag);
	/* index.html names the other files without versions: revalidate all. */
	resp_header(r, "Cache-Control", strcmp(name, "index.html") == 0 ? "no-cache" : "public, max-age=300, must-revalidate");
	const char *inm = req_header(r, "If-None-Match");
	if (inm && strcmp(inm, etag) == 0) {
		resp_empty(r, 304);
		return 1;
	}
	resp_text(r, 200, type, data, len);
	return 1;
}

int static_serve(struct req *r)
{
	const char *rel = r->path[0] == '/' ? r->path + 1 : r->path;
	if (!*rel)
		rel = "index.html";
	if (strstr(rel, "..") || strlen(rel) > 200)
		return 0;
	const char *slash = strrchr(rel, '/');
	int has_ext = strchr(slash ? slash : rel, '.') != NULL;
	if (!has_ext) {
		/* Only a browser navigation gets the UI for an unknown path. */
		const char *accept = req_header(r, "Accept");
		if (strcmp(rel, "index.html") != 0 && (!accept || !strstr(accept, "text/html")))
			return 0;
		rel = "index.html";
	}
	if (r->cfg->web_dir) {
		struct buf b = BUF_INIT(16 << 20);
		int ok = 0;
		/* vendor files come from the build, not from the web directory */
		if (read_dir_file(r->cfg->web_dir, rel, &b) == 0)
			ok = serve(r, rel, buf_cstr(&b), b.len);
		buf_free(&b);
		if (ok)
			return 1;
	}
	char name[256];
	snprintf(name, sizeof name, "web/%s", rel);
	const struct embedded_file *f = embedded_find(name);
	if (!f)
		return 0;
	return serve(r, rel, f->data, f->len);
}
