/* sniff: what a file is from its own bytes — signatures, and the sizes its
 * header declares (read without decoding a pixel, so that a decompression
 * bomb is refused before libvips sees it). Every length read from the file
 * is checked against the file's real size. */
#include <string.h>
#include <unistd.h>

#include "media/media.h"

static const struct {
	enum media_format f;
	const char *name, *mime;
	enum media_kind kind;
	uint64_t max;
} formats[] = {
    {MEDIA_JPEG, "jpeg", "image/jpeg", MEDIA_IMAGE, MEDIA_IMAGE_MAX},
    {MEDIA_PNG, "png", "image/png", MEDIA_IMAGE, MEDIA_IMAGE_MAX},
    {MEDIA_GIF, "gif", "image/gif", MEDIA_IMAGE, MEDIA_IMAGE_MAX},
    {MEDIA_WEBP, "webp", "image/webp", MEDIA_IMAGE, MEDIA_IMAGE_MAX},
    {MEDIA_MP4, "mp4", "video/mp4", MEDIA_VIDEO, MEDIA_VIDEO_MAX},
    {MEDIA_MOV, "mov", "video/quicktime", MEDIA_VIDEO, MEDIA_VIDEO_MAX},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

static int find(enum media_format f)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i].f == f)
			return (int)i;
	return -1;
}

const char *media_format_name(enum media_format f)
{
	int i = find(f);
	return i < 0 ? "" : formats[i].name;
}

const char *media_format_mime(enum media_format f)
{
	int i = find(f);
	return i < 0 ? "application/octet-stream" : formats[i].mime;
}

enum media_kind media_format_kind(enum media_format f)
{
	int i = find(f);
	return i < 0 ? MEDIA_IMAGE : formats[i].kind;
}

uint64_t media_format_max(enum media_format f)
{
	int i = find(f);
	return i < 0 ? MEDIA_IMAGE_MAX : formats[i].max;
}

enum media_format media_format_parse(const char *s)
{
	for (size_t i = 0; s && i < NFORMATS; i++)
		if (strcmp(s, formats[i].name) == 0)
			return formats[i].f;
	return MEDIA_UNKNOWN;
}

/* ---- signatures ------------------------------------------------------ */

static int is_brand_char(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

enum media_format media_sniff(const unsigned char *p, size_t n)
{
	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return MEDIA_JPEG;
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return MEDIA_PNG;
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return MEDIA_GIF;
	if (n >= 16 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBPVP8", 7) == 0 &&
	    (p[15] == ' ' || p[15] == 'L' || p[15] == 'X'))
		return MEDIA_WEBP;
	/* ISO base media: a first box "ftyp" whose major brand says QuickTime
	 * or anything else (MP4 and its many brands). */
	if (n >= 12 && memcmp(p + 4, "ftyp", 4) == 0) {
		for (int i = 8; i < 12; i++)
			if (!is_brand_char(p[i]))
				return MEDIA_UNKNOWN;
		return memcmp(p + 8, "qt  ", 4) == 0 ? MEDIA_MOV : MEDIA_MP4;
	}
	return MEDIA_UNKNOWN;
}

/* ---- reading --------------------------------------------------------- */

size_t media_src_read(const struct media_src *s, uint64_t off, void *buf, size_t n)
{
	if (off >= s->size)
		return 0;
	if (n > s->size - off)
		n = (size_t)(s->size - off);
	if (s->mem) {
		memcpy(buf, s->mem + off, n);
		return n;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(s->fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

static uint32_t be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le24(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static int invalid(struct err *e, const char *why)
{
	return err_set(e, ERR_INVALID, "media.invalid", "file", "the file is not a sound image or video: %s", why);
}

/* ---- image headers --------------------------------------------------- */

/* JPEG: walk the marker segments to the first start-of-frame. */
static int jpeg_header(const struct media_src *s, int *w, int *h, struct err *e)
{
	uint64_t off = 2;
	for (int guard = 0; guard < 100000; guard++) {
		unsigned char m[2];
		if (media_src_read(s, off, m, 2) != 2)
			return invalid(e, "JPEG ends before its frame header");
		if (m[0] != 0xFF)
			return invalid(e, "JPEG marker expected");
		if (m[1] == 0xFF) { /* fill byte */
			off++;
			continue;
		}
		off += 2;
		unsigned char mk = m[1];
		if (mk == 0x01 || (mk >= 0xD0 && mk <= 0xD7)) /* no length */
			continue;
		if (mk == 0xD8 || mk == 0xD9 || mk == 0xDA || mk == 0x00)
			return invalid(e, "JPEG has no frame header before its image data");
		unsigned char l[2];
		if (media_src_read(s, off, l, 2) != 2)
			return invalid(e, "JPEG segment cut short");
		uint32_t len = be16(l);
		if (len < 2)
			return invalid(e, "JPEG segment length");
		int sof = mk >= 0xC0 && mk <= 0xCF && mk != 0xC4 && mk != 0xC8 && mk != 0xCC;
		if (sof) {
			unsigned char f[6];
			if (len < 8 || media_src_read(s, off + 2, f, 6) != 6)
				return invalid(e, "JPEG frame header cut short");
			*h = (int)be16(f + 1);
			*w = (int)be16(f + 3);
			/* A height of 0 defers it to a DNL marker: not accepted. */
			if (*w == 0 || *h == 0)
				return invalid(e, "JPEG frame has no size");
			return 0;
		}
		off += len;
	}
	return invalid(e, "JPEG has too many segments");
}

static int png_header(const struct media_src *s, int *w, int *h, struct err *e)
{
	unsigned char b[24];
	if (media_src_read(s, 0, b, sizeof b) != sizeof b)
		return invalid(e, "PNG cut short");
	if (be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
		return invalid(e, "PNG does not start with its header chunk");
	uint32_t pw = be32(b + 16), ph = be32(b + 20);
	if (pw == 0 || ph == 0 || pw > 0x7fffffffu || ph > 0x7fffffffu)
		return invalid(e, "PNG size");
	*w = (int)pw;
	*h = (int)ph;
	return 0;
}

static int gif_header(const struct media_src *s, int *w, int *h, struct err *e)
{
	unsigned char b[10];
	if (media_src_read(s, 0, b, sizeof b) != sizeof b)
		return invalid(e, "GIF cut short");
	*w = (int)le16(b + 6);
	*h = (int)le16(b + 8);
	if (*w == 0 || *h == 0)
		return invalid(e, "GIF has no size");
	return 0;
}

static int webp_header(const struct media_src *s, int *w, int *h, struct err *e)
{
	unsigned char b[30];
	if (media_src_read(s, 0, b, sizeof b) != sizeof b)
		return invalid(e, "WebP cut short");
	uint64_t riff = (uint64_t)le16(b + 4) | (uint64_t)le16(b + 6) << 16;
	if (riff + 8 > s->size || riff < 22)
		return invalid(e, "WebP length does not match the file");
	const unsigned char *d = b + 20; /* the first chunk's data */
	if (memcmp(b + 12, "VP8 ", 4) == 0) {
		if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
			return invalid(e, "WebP VP8 frame start code");
		*w = (int)(le16(d + 6) & 0x3fff);
		*h = (int)(le16(d + 8) & 0x3fff);
	} else if (memcmp(b + 12, "VP8L", 4) == 0) {
		if (d[0] != 0x2f)
			return invalid(e, "WebP lossless signature");
		uint32_t bits = (uint32_t)d[1] | (uint32_t)d[2] << 8 | (uint32_t)d[3] << 16 | (uint32_t)d[4] << 24;
		*w = (int)(bits & 0x3fff) + 1;
		*h = (int)((bits >> 14) & 0x3fff) + 1;
	} else {
		*w = (int)le24(d + 4) + 1;
		*h = (int)le24(d + 7) + 1;
	}
	if (*w == 0 || *h == 0)
		return invalid(e, "WebP has no size");
	return 0;
}

int media_image_header(const struct media_src *s, enum media_format f, int *w, int *h, struct err *e)
{
	switch (f) {
	case MEDIA_JPEG:
		return jpeg_header(s, w, h, e);
	case MEDIA_PNG:
		return png_header(s, w, h, e);
	case MEDIA_GIF:
		return gif_header(s, w, h, e);
	case MEDIA_WEBP:
		return webp_header(s, w, h, e);
	default:
		return invalid(e, "not an image");
	}
}

/* ---- video boxes ----------------------------------------------------- */

/* Read a box header at off (within end): its type, where its payload
 * starts and where it ends. 0, or -1 when malformed. */
static int box_at(const struct media_src *s, uint64_t off, uint64_t end, char type[5], uint64_t *body, uint64_t *next)
{
	unsigned char b[16];
	if (end - off < 8 || media_src_read(s, off, b, 8) != 8)
		return -1;
	uint64_t size = be32(b);
	memcpy(type, b + 4, 4);
	type[4] = '\0';
	uint64_t hdr = 8;
	if (size == 1) {
		if (end - off < 16 || media_src_read(s, off + 8, b + 8, 8) != 8)
			return -1;
		size = be64(b + 8);
		hdr = 16;
	} else if (size == 0) {
		size = end - off;
	}
	if (size < hdr || size > end - off)
		return -1;
	*body = off + hdr;
	*next = off + size;
	return 0;
}

/* mvhd: the movie's timescale and duration. */
static void read_mvhd(const struct media_src *s, uint64_t body, uint64_t end, struct media_info *out)
{
	unsigned char b[32];
	size_t n = media_src_read(s, body, b, end - body < sizeof b ? (size_t)(end - body) : sizeof b);
	if (n < 20)
		return;
	uint64_t scale, dur;
	if (b[0] == 1) {
		if (n < 32)
			return;
		scale = be32(b + 20);
		dur = be64(b + 24);
	} else {
		scale = be32(b + 12);
		dur = be32(b + 16);
	}
	if (scale && dur / scale < 100000000)
		out->duration_ms = (int64_t)(dur * 1000 / scale);
}

/* tkhd: a track's presentation size (16.16 fixed point, at the end). */
static void read_tkhd(const struct media_src *s, uint64_t body, uint64_t end, struct media_info *out)
{
	if (out->width)
		return;
	unsigned char v;
	if (media_src_read(s, body, &v, 1) != 1)
		return;
	uint64_t at = body + (v == 1 ? 88 : 76);
	unsigned char b[8];
	if (at + 8 > end || media_src_read(s, at, b, 8) != 8)
		return;
	uint32_t w = be32(b) >> 16, h = be32(b + 4) >> 16;
	if (w && h && w <= MEDIA_MAX_SIDE && h <= MEDIA_MAX_SIDE) {
		out->width = (int)w;
		out->height = (int)h;
	}
}

/* Walk the children of [off, end) to a small depth, looking into moov and
 * trak for mvhd and tkhd. Returns the number of boxes or -1. */
static int walk(const struct media_src *s, uint64_t off, uint64_t end, int depth, int *moov, struct media_info *out)
{
	int n = 0;
	while (off < end) {
		char type[5];
		uint64_t body, next;
		if (box_at(s, off, end, type, &body, &next) < 0 || ++n > 100000)
			return -1;
		if (depth == 0 && strcmp(type, "moov") == 0)
			*moov = 1;
		if (depth < 2 && (strcmp(type, "moov") == 0 || strcmp(type, "trak") == 0)) {
			if (walk(s, body, next, depth + 1, moov, out) < 0)
				return -1;
		} else if (strcmp(type, "mvhd") == 0) {
			read_mvhd(s, body, next, out);
		} else if (strcmp(type, "tkhd") == 0) {
			read_tkhd(s, body, next, out);
		}
		off = next;
	}
	return n;
}

int media_video_header(const struct media_src *s, struct media_info *out, struct err *e)
{
	int moov = 0;
	char type[5];
	uint64_t body, next;
	if (box_at(s, 0, s->size, type, &body, &next) < 0 || strcmp(type, "ftyp") != 0)
		return invalid(e, "a video starts with its ftyp box");
	if (walk(s, 0, s->size, 0, &moov, out) < 0)
		return invalid(e, "the video's boxes do not fit the file (cut short?)");
	if (!moov)
		return invalid(e, "the video has no moov box");
	return 0;
}
