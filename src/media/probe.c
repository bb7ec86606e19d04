/* probe: is an uploaded file sound, and what size is it? libvips loaded
 * (media/vips_dl.c) and set up once for the process, on first use, with
 * only the four image loaders kanal accepts, the declared size checked
 * before any pixel is decoded, then one full decode that fails on
 * truncation or corruption. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "media/media.h"
#include "media/vips_dl.h"

/* ---- libvips, once ----------------------------------------------------- */

static pthread_once_t vips_once = PTHREAD_ONCE_INIT;
static int vips_ok = -1;

/* libvips' warnings about hostile files go to kanal's log (debug), not
 * raw to stderr. */
static void log_from_vips(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain;
	(void)data;
	if (level & G_LOG_LEVEL_CRITICAL)
		log_warn("libvips: %s", msg);
	else
		log_debug("libvips: %s", msg);
}

static void start_vips(void)
{
	/* Loaded here, not linked: a server that never sees an upload never
	 * maps libvips and the hundred libraries it needs. */
	if (vips_dl_open())
		return;
	vdl.log_set_handler("VIPS",
			    G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
				G_LOG_LEVEL_DEBUG,
			    log_from_vips, NULL);
	/* VIPS_INIT, whose ABI check vips_dl_open made. */
	if (vdl.init("kanal") != 0) {
		log_error("libvips: cannot start: %s", vdl.error_buffer());
		vdl.error_clear();
		return;
	}
	/* A small cache: uploads and renditions are rarely repeated, and
	 * memory is better spent on the HTTP workers. */
	vdl.cache_set_max(16);
	vdl.cache_set_max_mem((size_t)32 << 20);
	vdl.cache_set_max_files(8);
	/* Each request is one worker thread already; keep each operation's
	 * own pool small. */
	vdl.concurrency_set(2);
	/* Only the loaders for what media_sniff accepts: PDF, SVG, ImageMagick,
	 * FITS, Matlab and the rest are never reachable from an upload. */
	vdl.block_untrusted_set(TRUE);
	vdl.operation_block_set("VipsForeignLoad", TRUE);
	vdl.operation_block_set("VipsForeignLoadJpeg", FALSE);
	vdl.operation_block_set("VipsForeignLoadPng", FALSE);
	vdl.operation_block_set("VipsForeignLoadNsgif", FALSE);
	vdl.operation_block_set("VipsForeignLoadWebp", FALSE);
	vips_ok = 0;
}

int media_init(void)
{
	pthread_once(&vips_once, start_vips);
	return vips_ok;
}

void media_shutdown(void)
{
	if (vips_ok == 0)
		vdl.shutdown();
}

/* ---- probing ----------------------------------------------------------- */

static int invalid(struct err *e, const char *why)
{
	return err_set(e, ERR_INVALID, "media.invalid", "file", "the file is not a sound image or video: %s", why);
}

/* Forget what libvips said, after logging it once. */
static void vips_failed(const char *what)
{
	const char *msg = vdl.error_buffer();
	log_debug("libvips %s: %.300s", what, msg ? msg : "");
	vdl.error_clear();
}

static VipsSource *open_source(const char *path, const void *mem, size_t n)
{
	return path ? vdl.source_new_from_file(path) : vdl.source_new_from_memory(mem, n);
}

/* Open an image with the one loader its signature names, lazily (only the
 * header is read here). shrink > 1 asks JPEG for a DCT-domain shrink. */
static VipsImage *load(VipsSource *src, enum media_format f, int shrink)
{
	VipsImage *im = NULL;
	int rc = -1;
	switch (f) {
	case MEDIA_JPEG:
		rc = vdl.jpegload_source(src, &im, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR,
					 "shrink", shrink, NULL);
		break;
	case MEDIA_PNG:
		rc =
		    vdl.pngload_source(src, &im, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
		break;
	case MEDIA_GIF:
		rc =
		    vdl.gifload_source(src, &im, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
		break;
	case MEDIA_WEBP:
		rc = vdl.webpload_source(src, &im, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR,
					 NULL);
		break;
	default:
		break;
	}
	if (rc) {
		vips_failed("load");
		return NULL;
	}
	return im;
}

static int check_size(int w, int h, int frames, struct err *e)
{
	if (w <= 0 || h <= 0)
		return invalid(e, "no size");
	if (w > MEDIA_MAX_SIDE || h > MEDIA_MAX_SIDE || (uint64_t)w * (uint64_t)h > MEDIA_MAX_PIXELS)
		return err_set(e, ERR_INVALID, "media.dimensions", "file",
			       "%d x %d pixels is too large (at most %d on a side and %llu in all)", w, h,
			       MEDIA_MAX_SIDE, (unsigned long long)MEDIA_MAX_PIXELS);
	if (frames > MEDIA_MAX_FRAMES)
		return err_set(e, ERR_INVALID, "media.dimensions", "file", "%d frames is too many (at most %d)", frames,
			       MEDIA_MAX_FRAMES);
	return 0;
}

static int probe_image(const struct media_src *s, const char *path, struct media_info *out, struct err *e)
{
	int hw = 0, hh = 0, rc;
	/* 1. The size the header declares, read by kanal's own parser. */
	if ((rc = media_image_header(s, out->format, &hw, &hh, e)) || (rc = check_size(hw, hh, 1, e)))
		return rc;
	if (media_init())
		return err_set(e, ERR_UNAVAILABLE, "media.unavailable", "",
			       "images cannot be processed: the image library (libvips) cannot be loaded");
	/* 2. libvips reads the header only; it must agree. */
	VipsSource *src = open_source(path, s->mem, (size_t)s->size);
	if (!src) {
		vips_failed("source");
		return err_set(e, ERR_IO, "media.io", "", "cannot read the file");
	}
	VipsImage *im = load(src, out->format, 1);
	VDL_UNREF(src);
	if (!im)
		return invalid(e, "the header cannot be read");
	int w = vdl.image_get_width(im), h = vdl.image_get_height(im);
	int frames = vdl.image_get_n_pages(im);
	int swap = vdl.image_get_orientation_swap(im);
	VDL_UNREF(im);
	if ((rc = check_size(w, h, frames, e)))
		return rc;
	/* GIF: libvips may widen the screen to fit its frames. */
	if (out->format != MEDIA_GIF && (w != hw || h != hh))
		return invalid(e, "the header's sizes disagree");
	/* 3. Decode every pixel of the first frame once: truncation and
	 * corruption fail here, not later in a rendition. */
	int shrink = out->format == MEDIA_JPEG && (uint64_t)w * (uint64_t)h > 1000000 ? 8 : 1;
	if (!(src = open_source(path, s->mem, (size_t)s->size))) {
		vips_failed("source");
		return err_set(e, ERR_IO, "media.io", "", "cannot read the file");
	}
	im = load(src, out->format, shrink);
	VDL_UNREF(src);
	double avg;
	if (!im || vdl.avg(im, &avg, NULL)) {
		if (im)
			vips_failed("decode");
		VDL_UNREF(im);
		return invalid(e, "the image data is truncated or corrupt");
	}
	VDL_UNREF(im);
	out->width = swap ? h : w;
	out->height = swap ? w : h;
	out->frames = frames > 0 ? frames : 1;
	return 0;
}

static int probe(const struct media_src *s, const char *path, struct media_info *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	out->bytes = s->size;
	out->frames = 1;
	if (s->size == 0)
		return err_set(e, ERR_INVALID, "media.empty", "file", "the file is empty");
	unsigned char head[MEDIA_SNIFF_BYTES];
	size_t n = media_src_read(s, 0, head, sizeof head);
	out->format = media_sniff(head, n);
	if (out->format == MEDIA_UNKNOWN)
		return err_set(e, ERR_UNSUPPORTED, "media.type", "file",
			       "only JPEG, PNG, GIF and WebP images and MP4 and MOV videos are accepted");
	if (media_format_kind(out->format) == MEDIA_VIDEO)
		return media_video_header(s, out, e);
	return probe_image(s, path, out, e);
}

int media_probe_file(const char *path, struct media_info *out, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		log_error("media: cannot open %s: %s", path, strerror(saved));
		return err_set(e, ERR_IO, "media.io", "", "cannot read the file");
	}
	struct media_src s = {NULL, fd, (uint64_t)sb.st_size};
	int rc = probe(&s, path, out, e);
	close(fd);
	return rc;
}

int media_probe_buffer(const void *p, size_t n, struct media_info *out, struct err *e)
{
	/* A zero-length buffer still needs a non-NULL base for the readers. */
	static const unsigned char none[1];
	struct media_src s = {n ? p : none, -1, n};
	return probe(&s, NULL, out, e);
}
