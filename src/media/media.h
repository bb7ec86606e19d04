/* media: the file side of the media library — what a file is (sniffed from
 * its bytes, never from its name or declared type), whether it is sound
 * (probed with libvips under pixel caps), where its bytes live (content
 * addressed by SHA-256 beside the database) and the per-network renditions
 * made from it. No database here: core/library.c keeps the rows. */
#ifndef KANAL_MEDIA_H
#define KANAL_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* ---- limits ---------------------------------------------------------- */
#define MEDIA_IMAGE_MAX ((uint64_t)25 << 20)   /* bytes of an image upload */
#define MEDIA_VIDEO_MAX ((uint64_t)512 << 20)  /* bytes of a video upload */
#define MEDIA_MAX_PIXELS ((uint64_t)100000000) /* width x height of an image */
#define MEDIA_MAX_SIDE 30000		       /* pixels on either side */
#define MEDIA_MAX_FRAMES 2000		       /* frames of an animated GIF / WebP */
#define MEDIA_SNIFF_BYTES 32		       /* what media_sniff needs to decide */
#define MEDIA_ALT_MAX 1500		       /* characters of alt text (Mastodon's cap) */

enum media_kind { MEDIA_IMAGE, MEDIA_VIDEO };
enum media_format { MEDIA_UNKNOWN = 0, MEDIA_JPEG, MEDIA_PNG, MEDIA_GIF, MEDIA_WEBP, MEDIA_MP4, MEDIA_MOV };

/* "jpeg", "png", ... ("" for MEDIA_UNKNOWN). */
const char *media_format_name(enum media_format f);
/* "image/jpeg", "video/mp4", ... ("application/octet-stream" when unknown). */
const char *media_format_mime(enum media_format f);
enum media_kind media_format_kind(enum media_format f);
/* Largest upload accepted for the format, in bytes. */
uint64_t media_format_max(enum media_format f);
/* The format named s ("jpeg", ...), or MEDIA_UNKNOWN. */
enum media_format media_format_parse(const char *s);

/* What the first bytes of a file say it is: JPEG, PNG, GIF, WebP, MP4 or
 * MOV by their signatures, else MEDIA_UNKNOWN. n may be short (a tiny
 * file); MEDIA_SNIFF_BYTES are always enough. */
enum media_format media_sniff(const unsigned char *p, size_t n);

/* What a sound file is. Width and height are as displayed: an EXIF
 * orientation that turns the picture is applied. */
struct media_info {
	enum media_format format;
	int width, height;   /* 0 when unknown (a video without a track size) */
	int frames;	     /* 1, or the frames of an animated image */
	int64_t duration_ms; /* videos; 0 otherwise */
	uint64_t bytes;
};

/* ---- probing (media/probe.c, media/sniff.c) -------------------------- */
/* Load (dlopen, media/vips_dl.h) and start libvips once for the process
 * (thread-safe, idempotent): a small operation cache, modest concurrency,
 * every loader blocked except JPEG, PNG, GIF and WebP. Returns 0, or -1
 * when libvips cannot be loaded or started (logged once; not retried). */
int media_init(void);
/* Stop libvips (at server exit). */
void media_shutdown(void);

/* Decide what the file at path / the buffer p[0..n) is and whether it is
 * sound: the type from the bytes, the declared size against the caps
 * before any pixel is decoded, then one full decode with libvips failing
 * on truncation or corruption (images), or a walk of the top-level boxes
 * (videos). Returns 0 with *out filled, or with e set:
 *   media.empty (400)       no bytes
 *   media.type (415)        not one of the formats above
 *   media.dimensions (400)  too many pixels, sides or frames
 *   media.invalid (400)     truncated, corrupt or inconsistent
 *   media.io (500)          the file cannot be read
 *   media.unavailable (503) an image, and libvips cannot be loaded */
int media_probe_file(const char *path, struct media_info *out, struct err *e);
int media_probe_buffer(const void *p, size_t n, struct media_info *out, struct err *e);

/* A byte source for the header parsers: memory or an open file. */
struct media_src {
	const unsigned char *mem; /* when non-NULL, the whole file */
	int fd;			  /* otherwise this file */
	uint64_t size;
};
/* Read up to n bytes at off; returns how many were read (short at the end
 * of the file, 0 past it or on error). */
size_t media_src_read(const struct media_src *s, uint64_t off, void *buf, size_t n);
/* The image's stored size from its header alone, no decoding: width and
 * height as coded (before any EXIF turn). 0, or media.invalid. */
int media_image_header(const struct media_src *s, enum media_format f, int *w, int *h, struct err *e);
/* Walk an MP4/MOV's boxes: they must tile the file and hold a moov; fills
 * width/height (first track with a size) and duration. 0, or media.invalid. */
int media_video_header(const struct media_src *s, struct media_info *out, struct err *e);

/* ---- storage (media/blob.c) ------------------------------------------ */
#define MEDIA_PATH_MAX 1200
/* The media folder for a database: "<folder of dsn>/media" for a SQLite
 * file; for a PostgreSQL DSN (no file) "<data folder>/media", the folder
 * media_set_data_dir named (config data_dir, KANAL_DATA_DIR). */
void media_root(const char *dsn, char *out, size_t size);
/* Set once at start-up, before any thread starts. */
void media_set_data_dir(const char *dir);
/* "<root>/ab/cd/<sha256>": where the bytes with this hash live. */
void media_blob_path(const char *root, const char *sha256, char *out, size_t size);
/* Create an empty private temporary file "<root>/tmp/up-<random>" for an
 * upload; *fd is open for writing (caller closes and unlinks or places it).
 * 0, or media.io (ERR_IO). */
int media_tmp_create(const char *root, char *path, size_t size, int *fd, struct err *e);
/* Put the finished temporary file at its content address: moved there, or
 * removed when the same bytes are already stored. Durable on return (the
 * folder is synced). 0, or media.io; the temporary file is gone either way. */
int media_blob_place(const char *root, const char *tmp, const char *sha256, struct err *e);
/* Remove the bytes with this hash and every cached rendition of them.
 * The caller makes sure no row refers to them (inside a write transaction,
 * so that an upload of the same bytes cannot slip in between). */
void media_blob_remove(const char *root, const char *sha256);
/* Copy every stored original under src_root to dst_root (same layout;
 * hard links when both are on one file system, else whole files through a
 * temporary). Files already at dst are kept. Renditions are a cache and
 * are not copied. 0 with *copied set, or media.io. */
int media_blob_copy_all(const char *src_root, const char *dst_root, long *copied, struct err *e);
/* Remove temporary files left by a crash (at server start). */
void media_tmp_sweep(const char *root);

/* ---- renditions (media/rendition.c) ---------------------------------- */
/* One network's rules for images, from ../shared/NETWORKS.md. */
struct media_net {
	const char *network; /* "instagram", ... */
	double min_aspect;   /* width / height; 0 = no lower bound */
	double max_aspect;   /* 0 = no upper bound */
	int max_width, max_height;
	uint64_t max_bytes;
};
/* The rules for network, or NULL when kanal makes no renditions for it. */
const struct media_net *media_net_find(const char *network);
/* The size a rendition of a w x h image gets: cropped (centred) into the
 * aspect range, then scaled down into the width, height. Pure arithmetic,
 * for tests. */
void media_rendition_size(const struct media_net *n, int w, int h, int *crop_w, int *crop_h, int *out_w, int *out_h);
/* The JPEG rendition of the stored image sha256 for a network, made on
 * first use and kept in "<root>/renditions/ab/<sha>.<network>.v<N>.jpg";
 * path (size MEDIA_PATH_MAX) is set to it. w, h are the image's displayed
 * size. Re-encodes at lower quality, then smaller, until max_bytes fits.
 * 0, or media.invalid (the stored bytes no longer decode), media.rendition
 * (cannot fit the byte limit), media.io, media.unavailable (no libvips). */
int media_rendition(const char *root, const char *sha256, const struct media_net *n, int w, int h, char *path,
		    size_t size, struct err *e);

#endif
