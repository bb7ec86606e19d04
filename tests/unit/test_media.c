/* test_media: the media engine without HTTP — sniffing, the probe over
 * images libvips makes here (sound, turned by EXIF, truncated, hostile),
 * the rendition geometry for every network over a grid of sizes, and the
 * content-addressed store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include <cmocka.h>

#include "media/media.h"

static void test_sniff(void **state)
{
	(void)state;
	assert_int_equal(media_sniff((const unsigned char *)"\xff\xd8\xff\xe0", 4), MEDIA_JPEG);
	assert_int_equal(media_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n", 8), MEDIA_PNG);
	assert_int_equal(media_sniff((const unsigned char *)"GIF87a", 6), MEDIA_GIF);
	assert_int_equal(media_sniff((const unsigned char *)"GIF89a", 6), MEDIA_GIF);
	assert_int_equal(media_sniff((const unsigned char *)"RIFF\0\0\0\0WEBPVP8L", 16), MEDIA_WEBP);
	assert_int_equal(media_sniff((const unsigned char *)"RIFF\0\0\0\0WAVEfmt ", 16), MEDIA_UNKNOWN);
	assert_int_equal(media_sniff((const unsigned char *)"\0\0\0\x18"
							    "ftypisom",
				     12),
			 MEDIA_MP4);
	assert_int_equal(media_sniff((const unsigned char *)"\0\0\0\x14"
							    "ftypqt  ",
				     12),
			 MEDIA_MOV);
	assert_int_equal(media_sniff((const unsigned char *)"\0\0\0\x14"
							    "ftyp\x01\x02\x03\x04",
				     12),
			 MEDIA_UNKNOWN);
	assert_int_equal(media_sniff((const unsigned char *)"\xff\xd8", 2), MEDIA_UNKNOWN);
	assert_int_equal(media_sniff((const unsigned char *)"<svg xmlns=", 11), MEDIA_UNKNOWN);
	assert_int_equal(media_sniff((const unsigned char *)"%PDF-1.7", 8), MEDIA_UNKNOWN);
	assert_int_equal(media_sniff((const unsigned char *)"", 0), MEDIA_UNKNOWN);
	assert_string_equal(media_format_mime(MEDIA_MOV), "video/quicktime");
	assert_int_equal(media_format_parse("webp"), MEDIA_WEBP);
	assert_int_equal(media_format_parse("svg"), MEDIA_UNKNOWN);
	assert_true(media_format_max(MEDIA_PNG) == (uint64_t)25 << 20);
}

/* A w x h sRGB test card, saved by libvips in format f. */
static void *card(int w, int h, const char *suffix, int orientation, size_t *len)
{
	VipsImage *xy = NULL, *u = NULL, *rgb = NULL, *t = NULL;
	void *buf = NULL;
	assert_int_equal(vips_xyz(&xy, w, h, NULL), 0);
	VipsImage *bands[3];
	vips_extract_band(xy, &bands[0], 0, NULL);
	vips_extract_band(xy, &bands[1], 1, NULL);
	vips_add(bands[0], bands[1], &bands[2], NULL);
	vips_bandjoin(bands, &u, 3, NULL);
	vips_cast_uchar(u, &rgb, NULL);
	vips_copy(rgb, &t, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
	if (orientation)
		vips_image_set_int(t, VIPS_META_ORIENTATION, orientation);
	assert_int_equal(vips_image_write_to_buffer(t, suffix, &buf, len, NULL), 0);
	for (int i = 0; i < 3; i++)
		g_object_unref(bands[i]);
	g_object_unref(xy);
	g_object_unref(u);
	g_object_unref(rgb);
	g_object_unref(t);
	return buf;
}

static const char *probe(const void *p, size_t n, struct media_info *info)
{
	static struct err e;
	err_clear(&e);
	return media_probe_buffer(p, n, info, &e) ? e.key : "";
}

static void test_probe_sound_images(void **state)
{
	(void)state;
	static const struct {
		const char *suffix;
		enum media_format f;
	} cases[] = {{".jpg", MEDIA_JPEG}, {".png", MEDIA_PNG}, {".gif", MEDIA_GIF}, {".webp", MEDIA_WEBP}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n;
		void *b = card(37, 21, cases[i].suffix, 0, &n);
		struct media_info info;
		assert_string_equal(probe(b, n, &info), "");
		assert_int_equal(info.format, cases[i].f);
		assert_int_equal(info.width, 37);
		assert_int_equal(info.height, 21);
		assert_int_equal(info.frames, 1);
		assert_true(info.bytes == n);
		/* Cut in half: refused, never a crash. */
		assert_string_equal(probe(b, n / 2, &info), "media.invalid");
		g_free(b);
	}
}

static void test_probe_exif_orientation_swaps_sides(void **state)
{
	(void)state;
	size_t n;
	void *b = card(40, 10, ".jpg", 6, &n);
	struct media_info info;
	assert_string_equal(probe(b, n, &info), "");
	assert_int_equal(info.width, 10);
	assert_int_equal(info.height, 40);
	g_free(b);
}

static void test_probe_hostile(void **state)
{
	(void)state;
	struct media_info info;
	assert_string_equal(probe("", 0, &info), "media.empty");
	assert_string_equal(probe("just text, really", 17, &info), "media.type");
	assert_string_equal(probe("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 41, &info), "media.type");
	/* A PNG header declaring 60000 x 60000 over nothing. */
	static const unsigned char bomb[] = {0x89, 'P',	 'N', 'G', '\r', '\n', 0x1a, '\n', 0,	 0, 0,
					     13,   'I',	 'H', 'D', 'R',	 0,    0,    0xea, 0x60, 0, 0,
					     0xea, 0x60, 8,   2,   0,	 0,    0,    0,	   0,	 0, 0};
	assert_string_equal(probe(bomb, sizeof bomb, &info), "media.dimensions");
	/* 20000 x 20000: each side allowed, the area not. */
	unsigned char bomb2[sizeof bomb];
	memcpy(bomb2, bomb, sizeof bomb);
	bomb2[18] = 0x4e, bomb2[19] = 0x20, bomb2[22] = 0x4e, bomb2[23] = 0x20;
	assert_string_equal(probe(bomb2, sizeof bomb2, &info), "media.dimensions");
	static const unsigned char eoi[] = {0xff, 0xd8, 0xff, 0xd9};
	assert_string_equal(probe(eoi, sizeof eoi, &info), "media.invalid");
	static const char poly[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00<html><script>alert(1)</script></html>";
	assert_string_equal(probe(poly, sizeof poly - 1, &info), "media.invalid");
	/* A WebP whose canvas claims 65536 x 65536. */
	static const char webp[] =
	    "RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\xff\xff\x00";
	assert_string_equal(probe(webp, sizeof webp - 1, &info), "media.dimensions");
}

/* An MP4 skeleton: ftyp, moov (mvhd, trak/tkhd w x h), mdat. */
static size_t mp4(unsigned char *v, int w, int h)
{
	static const unsigned char ftyp[] = {0, 0, 0, 16, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 0, 0};
	size_t n = 0;
	memset(v, 0, 400);
	memcpy(v, ftyp, sizeof ftyp);
	n += sizeof ftyp;
	unsigned char *moov = v + n;
	memcpy(moov + 4, "moov", 4);
	unsigned char *mvhd = moov + 8;
	mvhd[3] = 108;
	memcpy(mvhd + 4, "mvhd", 4);
	mvhd[8 + 14] = 0x03, mvhd[8 + 15] = 0xe8; /* timescale 1000 */
	mvhd[8 + 18] = 0x0b, mvhd[8 + 19] = 0xb8; /* duration 3000 */
	unsigned char *trak = mvhd + 108;
	trak[3] = 8 + 92;
	memcpy(trak + 4, "trak", 4);
	unsigned char *tkhd = trak + 8;
	tkhd[3] = 92;
	memcpy(tkhd + 4, "tkhd", 4);
	tkhd[8 + 76] = (unsigned char)(w >> 8), tkhd[8 + 77] = (unsigned char)w;
	tkhd[8 + 80] = (unsigned char)(h >> 8), tkhd[8 + 81] = (unsigned char)h;
	moov[3] = 8 + 108 + 100;
	n += 216;
	memcpy(v + n, "\0\0\0\x10mdat12345678", 16);
	return n + 16;
}

static void test_probe_video_boxes(void **state)
{
	(void)state;
	unsigned char v[400];
	size_t n = mp4(v, 1920, 1080);
	struct media_info info;
	assert_string_equal(probe(v, n, &info), "");
	assert_int_equal(info.format, MEDIA_MP4);
	assert_int_equal(info.width, 1920);
	assert_int_equal(info.height, 1080);
	assert_int_equal(info.duration_ms, 3000);
	assert_string_equal(probe(v, n - 1, &info), "media.invalid"); /* mdat cut short */
	assert_string_equal(probe(v, 16, &info), "media.invalid");    /* no moov */
	v[3] = 200;						      /* ftyp longer than the file */
	assert_string_equal(probe(v, n, &info), "media.invalid");
}

static void test_rendition_geometry_stays_in_range(void **state)
{
	(void)state;
	static const char *const nets[] = {"instagram", "bluesky",  "x",	"mastodon",
					   "threads",	"linkedin", "facebook", "tiktok"};
	assert_null(media_net_find("myspace"));
	assert_null(media_net_find("webhook"));
	for (size_t k = 0; k < sizeof nets / sizeof nets[0]; k++) {
		const struct media_net *n = media_net_find(nets[k]);
		assert_non_null(n);
		for (int w = 1; w <= 12000; w = w * 3 / 2 + 1) {
			for (int h = 1; h <= 12000; h = h * 5 / 3 + 1) {
				int cw, ch, tw, th;
				media_rendition_size(n, w, h, &cw, &ch, &tw, &th);
				double a = (double)tw / th;
				if (!(tw >= 1 && th >= 1 && tw <= n->max_width && th <= n->max_height && cw <= w &&
				      ch <= h))
					fail_msg("%s %dx%d -> crop %dx%d out %dx%d", nets[k], w, h, cw, ch, tw, th);
				/* Sizes so thin that one pixel is the whole range are
				 * let through: nothing rounds better. */
				if (th > 2 && tw > 2 &&
				    ((n->min_aspect > 0 && a < n->min_aspect) ||
				     (n->max_aspect > 0 && a > n->max_aspect)))
					fail_msg("%s %dx%d -> %dx%d aspect %f", nets[k], w, h, tw, th, a);
			}
		}
	}
	const struct media_net *ig = media_net_find("instagram");
	int cw, ch, tw, th;
	media_rendition_size(ig, 4000, 1000, &cw, &ch, &tw, &th);
	assert_int_equal(tw, 1440);
	assert_true((double)tw / th <= 1.91 && (double)tw / th > 1.9);
	media_rendition_size(ig, 1000, 4000, &cw, &ch, &tw, &th);
	assert_int_equal(ch, 1250);
	assert_int_equal(tw, 1000);
	assert_int_equal(th, 1250);
}

static void test_blob_store(void **state)
{
	(void)state;
	char dir[] = "/tmp/kanal-test-media-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char dsn[128], root[MEDIA_PATH_MAX], tmp[MEDIA_PATH_MAX], blob[MEDIA_PATH_MAX];
	snprintf(dsn, sizeof dsn, "%s/kanal.db", dir);
	media_root(dsn, root, sizeof root);
	char want[160];
	snprintf(want, sizeof want, "%s/media", dir);
	assert_string_equal(root, want);
	const char *sha = "ab12cd34ab12cd34ab12cd34ab12cd34ab12cd34ab12cd34ab12cd34ab12cd34";
	media_blob_path(root, sha, blob, sizeof blob);
	snprintf(want, sizeof want, "%s/media/ab/12/%s", dir, sha);
	assert_string_equal(blob, want);
	struct err e;
	for (int round = 0; round < 2; round++) {
		int fd;
		assert_int_equal(media_tmp_create(root, tmp, sizeof tmp, &fd, &e), 0);
		assert_int_equal(write(fd, "bytes", 5), 5);
		close(fd);
		assert_int_equal(media_blob_place(root, tmp, sha, &e), 0);
		assert_int_equal(access(tmp, F_OK), -1); /* moved, or dropped as a duplicate */
		struct stat sb;
		assert_int_equal(stat(blob, &sb), 0);
		assert_int_equal(sb.st_size, 5);
	}
	/* A leftover temporary file goes at the next start. */
	int fd;
	assert_int_equal(media_tmp_create(root, tmp, sizeof tmp, &fd, &e), 0);
	close(fd);
	media_tmp_sweep(root);
	assert_int_equal(access(tmp, F_OK), -1);
	media_blob_remove(root, sha);
	assert_int_equal(access(blob, F_OK), -1);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	if (media_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_probe_sound_images),
	    cmocka_unit_test(test_probe_exif_orientation_swaps_sides),
	    cmocka_unit_test(test_probe_hostile),
	    cmocka_unit_test(test_probe_video_boxes),
	    cmocka_unit_test(test_rendition_geometry_stays_in_range),
	    cmocka_unit_test(test_blob_store),
	};
	int failed = cmocka_run_group_tests_name("media", tests, NULL, NULL);
	media_shutdown();
	return failed;
}
