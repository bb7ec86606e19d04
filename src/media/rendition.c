/* rendition: an image made to a network's measure — cropped (centred) into
 * its aspect range, scaled into its pixel box, JPEG without metadata,
 * re-encoded at lower quality and then smaller until it fits its byte
 * limit; made once and kept on disk by (sha256, network). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/log.h"
#include "media/media.h"
#include "media/vips_dl.h"

/* Bump when the table or the encoding changes: old cached files are then
 * no longer found (and go with their blob). */
#define RENDITION_VERSION 1

/* The one table of image rules per network (../shared/NETWORKS.md).
 * "[check]" marks values taken as sensible defaults rather than from the
 * network's own documentation. */
static const struct media_net nets[] = {
    /* network    min aspect  max aspect  max w  max h  max bytes */
    {"instagram", 0.8, 1.91, 1440, 1800, (uint64_t)8 << 20},	/* 4:5 to 1.91:1, JPEG < 8 MiB */
    {"bluesky", 0, 0, 2000, 2000, 1000000},			/* blob <= 1,000,000 bytes */
    {"x", 0, 0, 4096, 4096, 5000000},				/* images <= 5 MB */
    {"mastodon", 0, 0, 3840, 3840, 10000000},			/* per instance [check] */
    {"threads", 0.1, 10, 1440, 2560, (uint64_t)8 << 20},	/* 10:1 either way, 1440 wide [check] */
    {"linkedin", 1 / 2.4, 2.4, 4096, 4096, 5000000},		/* [check] */
    {"facebook", 0, 0, 2048, 2048, 4000000},			/* [check] */
    {"tiktok", 0.5625, 1.7778, 1080, 1920, (uint64_t)20 << 20}, /* photo posts, 9:16 to 16:9 [check] */
};

const struct media_net *media_net_find(const char *network)
{
	for (size_t i = 0; network && i < sizeof nets / sizeof nets[0]; i++)
		if (strcmp(nets[i].network, network) == 0)
			return &nets[i];
	return NULL;
}

void media_rendition_size(const struct media_net *n, int w, int h, int *crop_w, int *crop_h, int *out_w, int *out_h)
{
	double a = (double)w / h;
	int cw = w, ch = h;
	if (n->min_aspect > 0 && a < n->min_aspect) /* too tall: cut top and bottom */
		ch = (int)lround(w / n->min_aspect);
	else if (n->max_aspect > 0 && a > n->max_aspect) /* too wide: cut the sides */
		cw = (int)lround(h * n->max_aspect);
	cw = cw < 1 ? 1 : cw > w ? w : cw;
	ch = ch < 1 ? 1 : ch > h ? h : ch;
	double s = 1;
	if (cw > n->max_width)
		s = (double)n->max_width / cw;
	if (ch * s > n->max_height)
		s = (double)n->max_height / ch;
	int tw = (int)lround(cw * s), th = (int)lround(ch * s);
	tw = tw < 1 ? 1 : tw > n->max_width ? n->max_width : tw;
	th = th < 1 ? 1 : th > n->max_height ? n->max_height : th;
	/* Rounding must not step outside the range. */
	if (n->max_aspect > 0 && (double)tw / th > n->max_aspect)
		th = (int)ceil(tw / n->max_aspect);
	if (n->min_aspect > 0 && (double)tw / th < n->min_aspect)
		th = (int)floor(tw / n->min_aspect);
	*crop_w = cw;
	*crop_h = ch;
	*out_w = tw;
	*out_h = th < 1 ? 1 : th;
}

static void path_of(const char *root, const char *sha256, const char *network, char *out, size_t size)
{
	snprintf(out, size, "%s/renditions/%.2s/%s.%s.v%d.jpg", root, sha256, sha256, network, RENDITION_VERSION);
}

static void vips_failed(const char *what)
{
	const char *msg = vdl.error_buffer();
	log_warn("libvips %s: %.300s", what, msg ? msg : "");
	vdl.error_clear();
}

/* The cropped, scaled, flattened pixels, decoded into memory once so that
 * the encoder can run several times. NULL on failure. */
static VipsImage *pixels(const char *blob, int tw, int th)
{
	VipsImage *t = NULL, *f = NULL, *m = NULL;
	if (vdl.thumbnail(blob, &t, tw, "height", th, "crop", VIPS_INTERESTING_CENTRE, NULL)) {
		vips_failed("thumbnail");
		return NULL;
	}
	if (vdl.image_hasalpha(t)) {
		VipsArrayDouble *white = vdl.array_double_newv(1, 255.0);
		int rc = vdl.flatten(t, &f, "background", white, NULL);
		vdl.area_unref(VIPS_AREA(white));
		VDL_UNREF(t);
		if (rc) {
			vips_failed("flatten");
			return NULL;
		}
		t = f;
	}
	m = vdl.image_copy_memory(t);
	VDL_UNREF(t);
	if (!m)
		vips_failed("decode");
	return m;
}

static int encode(VipsImage *im, int q, void **buf, size_t *len)
{
	if (vdl.jpegsave_buffer(im, buf, len, "Q", q, "strip", TRUE, "optimize_coding", TRUE, NULL)) {
		vips_failed("jpegsave");
		return -1;
	}
	return 0;
}

#define Q_HIGH 85
#define Q_LOW 40

/* Encode im as JPEG at the highest quality from Q_HIGH down to Q_LOW that
 * fits max bytes (a bisection: a handful of encodes). Returns 0 with *buf
 * (vdl.free) set, 1 when even Q_LOW is too big (*low_len then says by how
 * much), -1 on failure. */
static int encode_fitting(VipsImage *im, uint64_t max, void **buf, size_t *len, size_t *low_len)
{
	if (encode(im, Q_HIGH, buf, len))
		return -1;
	if (*len <= max)
		return 0;
	vdl.free(*buf);
	*buf = NULL;
	void *best = NULL;
	size_t best_len = 0;
	if (encode(im, Q_LOW, &best, &best_len))
		return -1;
	if (best_len > max) {
		*low_len = best_len;
		vdl.free(best);
		return 1;
	}
	int lo = Q_LOW, hi = Q_HIGH; /* lo fits, hi does not */
	while (hi - lo > 4) {
		int mid = (lo + hi) / 2;
		void *b = NULL;
		size_t l = 0;
		if (encode(im, mid, &b, &l)) {
			vdl.free(best);
			return -1;
		}
		if (l <= max) {
			vdl.free(best);
			best = b;
			best_len = l;
			lo = mid;
		} else {
			vdl.free(b);
			hi = mid;
		}
	}
	*buf = best;
	*len = best_len;
	return 0;
}

static int write_file(const char *root, const char *dst, const void *p, size_t n, struct err *e)
{
	char tmp[MEDIA_PATH_MAX], name[64], dir[MEDIA_PATH_MAX];
	/* The folders: root/tmp for the half-written file, root/renditions/ab
	 * for the finished one. */
	snprintf(dir, sizeof dir, "%s/tmp", root);
	mkdir(root, 0700);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/renditions", root);
	mkdir(dir, 0700);
	str_copy(dir, dst, sizeof dir);
	*strrchr(dir, '/') = '\0';
	mkdir(dir, 0700);
	crypto_token("ren-", 12, name, sizeof name);
	snprintf(tmp, sizeof tmp, "%s/tmp/%s", root, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	for (size_t off = 0; off < n;) {
		ssize_t k = write(fd, (const char *)p + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			unlink(tmp);
			goto fail;
		}
		off += (size_t)k;
	}
	/* Synced before the rename: a crash never leaves a torn file cached. */
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	log_error("media: cannot write %s: %s", dst, strerror(errno));
	return err_set(e, ERR_IO, "media.io", "", "cannot store the rendition");
}

int media_rendition(const char *root, const char *sha256, const struct media_net *n, int w, int h, char *path,
		    size_t size, struct err *e)
{
	path_of(root, sha256, n->network, path, size);
	struct stat sb;
	if (stat(path, &sb) == 0)
		return 0;
	if (media_init())
		return err_set(e, ERR_UNAVAILABLE, "media.unavailable", "",
			       "images cannot be processed: the image library (libvips) cannot be loaded");
	char blob[MEDIA_PATH_MAX];
	media_blob_path(root, sha256, blob, sizeof blob);
	void *buf = NULL;
	size_t len = 0;
	int rc = 1;
	/* Lower quality first; then a smaller box, sized anew so that the
	 * aspect stays in range, by what the lowest quality missed by. */
	struct media_net box = *n;
	for (int round = 0; round < 6 && rc > 0; round++) {
		int cw, ch, tw, th;
		size_t low_len = 0;
		media_rendition_size(&box, w, h, &cw, &ch, &tw, &th);
		VipsImage *im = pixels(blob, tw, th);
		if (!im)
			return err_set(e, ERR_INVALID, "media.invalid", "", "the stored image cannot be decoded");
		rc = encode_fitting(im, n->max_bytes, &buf, &len, &low_len);
		VDL_UNREF(im);
		if (rc <= 0)
			break;
		double scale = sqrt((double)n->max_bytes / (double)low_len) * 0.9;
		box.max_width = (int)(tw * scale);
		box.max_height = (int)(th * scale);
		if (box.max_width < 16 || box.max_height < 16)
			break;
	}
	if (rc < 0)
		return err_set(e, ERR_INVALID, "media.invalid", "", "the stored image cannot be encoded");
	if (rc > 0)
		return err_set(e, ERR_INVALID, "media.rendition", "", "cannot fit the image into %llu bytes",
			       (unsigned long long)n->max_bytes);
	rc = write_file(root, path, buf, len, e);
	vdl.free(buf);
	return rc;
}
