/* api_media: the media library over HTTP — a streamed multipart upload
 * (hashed and written to disk as it arrives, capped, typed from its bytes),
 * the list, one item, its bytes, its per-network renditions, and changes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/json.h"
#include "base/log.h"
#include "core/library.h"
#include "core/medialink.h"
#include "http/http.h"
#include "http/multipart.h"
#include "media/media.h"

#define UPLOAD_PARTS_MAX 8
#define UPLOAD_SLACK ((uint64_t)1 << 20) /* multipart framing around the file, at most */
#define ALT_BYTES_MAX (4 * MEDIA_ALT_MAX)
#define TAGS_BYTES_MAX 4096

/* ---- the upload --------------------------------------------------------- */

enum part { PART_NONE, PART_FILE, PART_ALT, PART_TAGS };

struct upload {
	struct multipart mp;
	char root[MEDIA_PATH_MAX];
	enum part part;
	int seen_file, seen_alt, seen_tags;
	int fd;
	char tmp[MEDIA_PATH_MAX]; /* "" when there is no temporary file */
	struct crypto_sha256 sha;
	uint64_t size, max;
	unsigned char head[MEDIA_SNIFF_BYTES];
	size_t head_len;
	enum media_format format;
	struct buf alt, tags;
	char filename[MP_FILENAME_MAX + 1];
};

/* Remove the partial file now: a refused upload leaves nothing behind. */
static void discard(struct upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (u->tmp[0])
		unlink(u->tmp);
	u->tmp[0] = '\0';
}

static int fail(struct upload *u, int rc)
{
	discard(u);
	return rc;
}

static int too_large(struct upload *u, struct err *e)
{
	return fail(u, err_set(e, ERR_TOOLARGE, "media.too_large", "file", "a %s file is at most %llu MiB",
			       u->format ? media_format_name(u->format) : "media", (unsigned long long)(u->max >> 20)));
}

static int unknown_type(struct upload *u, struct err *e)
{
	return fail(u, err_set(e, ERR_UNSUPPORTED, "media.type", "file",
			       "only JPEG, PNG, GIF and WebP images and MP4 and MOV videos are accepted"));
}

static int part_begin(void *ctx, const struct mp_part *p, struct err *e)
{
	struct upload *u = ctx;
	if (strcmp(p->name, "file") == 0) {
		if (u->seen_file++)
			return fail(u, err_set(e, ERR_INVALID, "multipart.part", "file", "send one file per upload"));
		str_copy(u->filename, p->filename, sizeof u->filename);
		crypto_sha256_init(&u->sha);
		u->part = PART_FILE;
		/* The declared Content-Type of the part is ignored on purpose. */
		return media_tmp_create(u->root, u->tmp, sizeof u->tmp, &u->fd, e);
	}
	if (strcmp(p->name, "alt_text") == 0 && !u->seen_alt++) {
		u->part = PART_ALT;
		return 0;
	}
	if (strcmp(p->name, "tags") == 0 && !u->seen_tags++) {
		u->part = PART_TAGS;
		return 0;
	}
	return fail(u, err_set(e, ERR_INVALID, "field.unknown", p->name,
			       "the parts of an upload are file, alt_text and tags, each at most once"));
}

static int write_all(struct upload *u, const char *p, size_t n, struct err *e)
{
	while (n) {
		ssize_t k = write(u->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			log_error("media: write %s: %s", u->tmp, strerror(errno));
			return fail(u, err_set(e, ERR_IO, "media.io", "", "cannot store the file"));
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int file_data(struct upload *u, const char *p, size_t n, struct err *e)
{
	if (u->head_len < sizeof u->head) {
		size_t k = sizeof u->head - u->head_len < n ? sizeof u->head - u->head_len : n;
		memcpy(u->head + u->head_len, p, k);
		u->head_len += k;
		if (u->head_len == sizeof u->head) {
			/* The type, and so the cap, from the bytes alone. */
			if (!(u->format = media_sniff(u->head, u->head_len)))
				return unknown_type(u, e);
			u->max = media_format_max(u->format);
		}
	}
	if (u->size + n > u->max)
		return too_large(u, e);
	u->size += n;
	crypto_sha256_update(&u->sha, p, n);
	return write_all(u, p, n, e);
}

static int part_data(void *ctx, const char *p, size_t n, struct err *e)
{
	struct upload *u = ctx;
	switch (u->part) {
	case PART_FILE:
		return file_data(u, p, n, e);
	case PART_ALT:
		if (buf_add(&u->alt, p, n))
			return fail(u, err_set(e, ERR_INVALID, "media.alt_text", "alt_text",
					       "alt text is at most %d characters", MEDIA_ALT_MAX));
		return 0;
	case PART_TAGS:
		if (buf_add(&u->tags, p, n))
			return fail(u, err_set(e, ERR_INVALID, "media.tags", "tags", "tags are at most %d bytes",
					       TAGS_BYTES_MAX));
		return 0;
	default:
		return 0;
	}
}

static int part_end(void *ctx, struct err *e)
{
	struct upload *u = ctx;
	if (u->part == PART_FILE && u->size > 0 && u->head_len < sizeof u->head) {
		/* A file shorter than the sniffing window. */
		if (!(u->format = media_sniff(u->head, u->head_len)))
			return unknown_type(u, e);
		if (u->size > media_format_max(u->format))
			return too_large(u, e);
	}
	u->part = PART_NONE;
	return 0;
}

static const struct mp_handler parts = {part_begin, part_data, part_end};

static int upload_begin(struct req *r, struct err *e)
{
	struct upload *u = xcalloc(1, sizeof *u);
	r->upload = u;
	u->fd = -1;
	u->max = MEDIA_VIDEO_MAX; /* until the first bytes say what it is */
	u->alt.max = ALT_BYTES_MAX;
	u->tags.max = TAGS_BYTES_MAX;
	media_root(r->cfg->dsn, u->root, sizeof u->root);
	const char *cl = req_header(r, "Content-Length");
	long long n;
	if (cl && str_to_i64(cl, &n) == 0 && (uint64_t)n > MEDIA_VIDEO_MAX + UPLOAD_SLACK)
		return err_set(e, ERR_TOOLARGE, "media.too_large", "file", "an upload is at most %llu MiB",
			       (unsigned long long)(MEDIA_VIDEO_MAX >> 20));
	return mp_init(&u->mp, req_header(r, "Content-Type"), UPLOAD_PARTS_MAX, &parts, u, e);
}

static int upload_data(struct req *r, const char *p, size_t n, struct err *e)
{
	struct upload *u = r->upload;
	return mp_feed(&u->mp, p, n, e);
}

static void upload_end(struct req *r)
{
	struct upload *u = r->upload;
	if (!u)
		return;
	discard(u);
	buf_free(&u->alt);
	buf_free(&u->tags);
	free(u);
	r->upload = NULL;
}

/* A refused upload is read to its end (bounded by the largest cap) so that
 * the client sees the 413 or 415 instead of a cut connection. */
const struct upload_ops api_media_upload_ops = {upload_begin, upload_data, upload_end,
						(size_t)(MEDIA_VIDEO_MAX + UPLOAD_SLACK)};

int api_media_upload(struct req *r, struct err *e)
{
	struct upload *u = r->upload;
	int rc = mp_finish(&u->mp, e);
	if (rc)
		return fail(u, rc);
	if (!u->seen_file)
		return err_set(e, ERR_INVALID, "field.required", "file", "send the file in a part named file");
	if (u->size == 0)
		return fail(u, err_set(e, ERR_INVALID, "media.empty", "file", "the file is empty"));
	if (fsync(u->fd) != 0 || close(u->fd) != 0) {
		u->fd = -1;
		log_error("media: sync %s: %s", u->tmp, strerror(errno));
		return fail(u, err_set(e, ERR_IO, "media.io", "", "cannot store the file"));
	}
	u->fd = -1;
	const char *alt = buf_cstr(&u->alt);
	json_t *tags = NULL;
	if ((rc = library_check_alt(alt, u->alt.len, e)))
		return fail(u, rc);
	if (u->seen_tags && (rc = library_parse_tags(buf_cstr(&u->tags), u->tags.len, &tags, e)))
		return fail(u, rc);
	if (!tags)
		tags = json_array();
	struct media_info info;
	if ((rc = media_probe_file(u->tmp, &info, e)) == 0 && info.format != u->format)
		rc = err_set(e, ERR_INVALID, "media.invalid", "file", "the file's type is ambiguous");
	if (rc) {
		json_decref(tags);
		return fail(u, rc);
	}
	char sha[65];
	crypto_sha256_final_hex(&u->sha, sha);
	json_t *item = NULL;
	int existed = 0;
	rc = library_add(r->st, &r->actor, req_ws(r), u->root, u->tmp, sha, &info, u->filename, alt, tags, &item,
			 &existed, e);
	u->tmp[0] = '\0'; /* library_add took the file */
	json_decref(tags);
	if (rc)
		return rc;
	resp_json(r, existed ? 200 : 201, json_pack("{so sb}", "media", item, "deduplicated", existed));
	return 0;
}

/* ---- the library -------------------------------------------------------- */

int api_media_list(struct req *r, struct err *e)
{
	const char *tag = req_query(r, "tag"), *type = req_query(r, "type"), *b = req_query(r, "before"),
		   *l = req_query(r, "limit");
	long long before = 0, limit = 50;
	if (type && strcmp(type, "image") != 0 && strcmp(type, "video") != 0)
		return err_set(e, ERR_INVALID, "query.invalid", "type", "type is image or video");
	if (tag && (!*tag || strlen(tag) > LIBRARY_TAG_MAX || !utf8_valid(tag, strlen(tag), NULL)))
		return err_set(e, ERR_INVALID, "query.invalid", "tag", "a tag is 1 to %d bytes of UTF-8",
			       LIBRARY_TAG_MAX);
	if (b && (str_to_i64(b, &before) || before < 0))
		return err_set(e, ERR_INVALID, "query.invalid", "before", "before must be a media id");
	if (l && (str_to_i64(l, &limit) || limit < 1 || limit > 200))
		return err_set(e, ERR_INVALID, "query.invalid", "limit", "limit must be 1 to 200");
	json_t *v = NULL;
	int rc = library_list(r->st, req_ws(r), tag, type, before, (int)limit, &v, e);
	if (rc)
		return rc;
	resp_json(r, 200, json_pack("{so}", "media", v));
	return 0;
}

int api_media_get(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = library_get(r->st, req_ws(r), r->params[1], &v, e);
	if (rc)
		return rc;
	resp_json(r, 200, json_pack("{so}", "media", v));
	return 0;
}

int api_media_update(struct req *r, struct err *e)
{
	json_t *v = NULL;
	int rc = req_json(r, e);
	if (!rc)
		rc = library_update(r->st, &r->actor, req_ws(r), r->params[1], r->json, &v, e);
	if (rc)
		return rc;
	resp_json(r, 200, json_pack("{so}", "media", v));
	return 0;
}

int api_media_delete(struct req *r, struct err *e)
{
	char root[MEDIA_PATH_MAX];
	media_root(r->cfg->dsn, root, sizeof root);
	int rc = library_delete(r->st, &r->actor, req_ws(r), r->params[1], root, e);
	if (!rc)
		resp_empty(r, 204);
	return rc;
}

/* ---- bytes -------------------------------------------------------------- */

/* Answer with the file at path, with an ETag and the headers that keep a
 * browser from treating it as anything but what it is. */
static int send_file(struct req *r, const char *path, const char *mime, const char *etag, const char *name,
		     struct err *e)
{
	char quoted[200], disp[200];
	snprintf(quoted, sizeof quoted, "\"%s\"", etag);
	resp_header(r, "ETag", quoted);
	resp_header(r, "Cache-Control", "private, max-age=86400");
	r->cache_static = 1; /* the bytes behind an id never change */
	const char *inm = req_header(r, "If-None-Match");
	if (inm && strcmp(inm, quoted) == 0) {
		resp_empty(r, 304);
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		log_error("media: cannot open %s: %s", path, strerror(errno));
		return err_set(e, ERR_IO, "media.io", "", "the file cannot be read");
	}
	snprintf(disp, sizeof disp, "inline; filename=\"%s\"", name);
	resp_header(r, "Content-Disposition", disp);
	resp_header(r, "Content-Security-Policy", "default-src 'none'; sandbox");
	resp_file(r, 200, mime, fd, (uint64_t)sb.st_size);
	return 0;
}

int api_media_file(struct req *r, struct err *e)
{
	json_t *m = NULL;
	int rc = library_get(r->st, req_ws(r), r->params[1], &m, e);
	if (rc)
		return rc;
	char root[MEDIA_PATH_MAX], path[MEDIA_PATH_MAX], name[64];
	media_root(r->cfg->dsn, root, sizeof root);
	const char *sha = json_string_value(json_object_get(m, "sha256"));
	enum media_format f = media_format_parse(json_string_value(json_object_get(m, "format")));
	media_blob_path(root, sha, path, sizeof path);
	snprintf(name, sizeof name, "media-%lld.%s", (long long)r->params[1], media_format_name(f));
	/* The type stored at upload (sniffed then), never anything else. */
	rc = send_file(r, path, media_format_mime(f), sha, name, e);
	json_decref(m);
	return rc;
}

int api_media_rendition(struct req *r, struct err *e)
{
	const struct media_net *net = media_net_find(r->key);
	if (!net)
		return err_set(e, ERR_INVALID, "media.network", "network",
			       "renditions are made for instagram, bluesky, x, mastodon, threads, linkedin, facebook "
			       "and tiktok");
	json_t *m = NULL;
	int rc = library_get(r->st, req_ws(r), r->params[1], &m, e);
	if (rc)
		return rc;
	if (strcmp(json_string_value(json_object_get(m, "type")), "image") != 0) {
		json_decref(m);
		return err_set(e, ERR_INVALID, "media.rendition_type", "", "renditions are made of images only");
	}
	char root[MEDIA_PATH_MAX], path[MEDIA_PATH_MAX], name[96];
	media_root(r->cfg->dsn, root, sizeof root);
	char sha[65];
	str_copy(sha, json_string_value(json_object_get(m, "sha256")), sizeof sha);
	int w = (int)json_integer_value(json_object_get(m, "width")),
	    h = (int)json_integer_value(json_object_get(m, "height"));
	json_decref(m);
	if ((rc = media_rendition(root, sha, net, w, h, path, sizeof path, e)))
		return rc;
	snprintf(name, sizeof name, "media-%lld-%s.jpg", (long long)r->params[1], net->network);
	const char *base = strrchr(path, '/');
	char etag[160];
	str_copy(etag, base ? base + 1 : path, sizeof etag);
	return send_file(r, path, "image/jpeg", etag, name, e);
}

/* A library item through a signed public link (core/medialink.h): what
 * Instagram, Threads and Facebook fetch. No session; the signature and
 * expiry are the authority, and the item must still be in the library.
 * Images are served as the network's JPEG rendition when kanal makes one,
 * anything else as stored. */
int api_media_public(struct req *r, struct err *e)
{
	int64_t ws, id;
	char net[MEDIALINK_NET_MAX];
	int rc = medialink_open(r->key, &ws, &id, net, e);
	if (rc)
		return rc;
	json_t *m = NULL;
	if (library_get(r->st, ws, id, &m, NULL))
		return err_set(e, ERR_NOTFOUND, "media_link.invalid", "", "this media link is not valid");
	char root[MEDIA_PATH_MAX], path[MEDIA_PATH_MAX], name[96], sha[65];
	media_root(r->cfg->dsn, root, sizeof root);
	str_copy(sha, json_string_value(json_object_get(m, "sha256")), sizeof sha);
	const struct media_net *n = media_net_find(net);
	int image = strcmp(json_string_value(json_object_get(m, "type")), "image") == 0;
	int w = (int)json_integer_value(json_object_get(m, "width")),
	    h = (int)json_integer_value(json_object_get(m, "height"));
	enum media_format f = media_format_parse(json_string_value(json_object_get(m, "format")));
	json_decref(m);
	if (n && image) {
		if ((rc = media_rendition(root, sha, n, w, h, path, sizeof path, e)))
			return rc;
		snprintf(name, sizeof name, "media-%lld-%s.jpg", (long long)id, n->network);
		const char *base = strrchr(path, '/');
		char etag[160];
		str_copy(etag, base ? base + 1 : path, sizeof etag);
		return send_file(r, path, "image/jpeg", etag, name, e);
	}
	media_blob_path(root, sha, path, sizeof path);
	snprintf(name, sizeof name, "media-%lld.%s", (long long)id, media_format_name(f));
	return send_file(r, path, media_format_mime(f), sha, name, e);
}
