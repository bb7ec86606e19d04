/* gen_seeds: make the fuzzers' seed corpora from nothing — tiny images
 * encoded by libvips (JPEG with and without EXIF orientation, PNG in
 * several colour types, GIF still and animated, WebP lossy, lossless and
 * with alpha), MP4 and MOV box skeletons, the hostile shapes the probe must
 * refuse (truncated, a declared decompression bomb, a polyglot), and a few
 * multipart bodies. Usage: gen_seeds DIR (writes DIR/media_probe and
 * DIR/multipart). Run by `make fuzz-seeds`; nothing is downloaded. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vips/vips.h>

static char dir[1024];

static void put(const char *sub, const char *name, const void *p, size_t n)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "gen_seeds: cannot write %s\n", path);
		exit(1);
	}
}

/* An image and its first half (truncated) as seeds. */
static void both(const char *name, void *buf, size_t len)
{
	char cut[256];
	put("media_probe", name, buf, len);
	snprintf(cut, sizeof cut, "cut-%s", name);
	put("media_probe", cut, buf, len / 2);
	g_free(buf);
}

static VipsImage *pattern(int w, int h, int bands)
{
	VipsImage *x = NULL, *out = NULL;
	if (vips_xyz(&x, w, h, NULL))
		return NULL;
	VipsImage *b[4] = {NULL};
	VipsImage *band0 = NULL, *band1 = NULL;
	vips_extract_band(x, &band0, 0, NULL);
	vips_extract_band(x, &band1, 1, NULL);
	b[0] = band0;
	b[1] = band1;
	vips_add(band0, band1, &b[2], NULL);
	if (bands == 4)
		vips_linear1(band0, &b[3], 16.0, 10.0, NULL);
	VipsImage *joined = NULL;
	vips_bandjoin(bands == 1 ? b + 2 : b, &joined, bands, NULL);
	vips_cast_uchar(joined, &out, NULL);
	if (bands >= 3)
		vips_copy(out, &joined, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
	else
		vips_copy(out, &joined, "interpretation", VIPS_INTERPRETATION_B_W, NULL);
	g_object_unref(out);
	g_object_unref(x);
	for (int i = 0; i < 4; i++)
		if (b[i])
			g_object_unref(b[i]);
	return joined;
}

static void images(void)
{
	void *buf;
	size_t len;
	VipsImage *rgb = pattern(16, 12, 3), *grey = pattern(8, 8, 1), *rgba = pattern(6, 5, 4),
		  *one = pattern(1, 1, 3);
	if (!rgb || !grey || !rgba || !one)
		vips_error_exit("pattern");
	if (!vips_jpegsave_buffer(rgb, &buf, &len, "Q", 50, NULL))
		both("rgb.jpg", buf, len);
	if (!vips_jpegsave_buffer(grey, &buf, &len, "Q", 90, "interlace", TRUE, NULL))
		both("grey-progressive.jpg", buf, len);
	if (!vips_jpegsave_buffer(one, &buf, &len, NULL))
		both("one.jpg", buf, len);
	VipsImage *turned = NULL;
	vips_copy(rgb, &turned, NULL);
	vips_image_set_int(turned, VIPS_META_ORIENTATION, 6);
	if (!vips_jpegsave_buffer(turned, &buf, &len, NULL))
		both("orientation6.jpg", buf, len);
	g_object_unref(turned);
	if (!vips_pngsave_buffer(rgb, &buf, &len, NULL))
		both("rgb.png", buf, len);
	if (!vips_pngsave_buffer(rgba, &buf, &len, "interlace", TRUE, NULL))
		both("rgba-interlaced.png", buf, len);
	if (!vips_pngsave_buffer(grey, &buf, &len, "bitdepth", 4, NULL))
		both("grey4.png", buf, len);
	if (!vips_pngsave_buffer(rgb, &buf, &len, "palette", TRUE, NULL))
		both("palette.png", buf, len);
	if (!vips_gifsave_buffer(rgb, &buf, &len, NULL))
		both("still.gif", buf, len);
	/* Two frames stacked: page-height makes an animation. */
	VipsImage *pages = NULL, *anim = NULL;
	vips_join(rgb, rgb, &pages, VIPS_DIRECTION_VERTICAL, NULL);
	vips_copy(pages, &anim, NULL);
	vips_image_set_int(anim, VIPS_META_PAGE_HEIGHT, 12);
	if (!vips_gifsave_buffer(anim, &buf, &len, NULL))
		both("animated.gif", buf, len);
	if (!vips_webpsave_buffer(anim, &buf, &len, NULL))
		both("animated.webp", buf, len);
	g_object_unref(pages);
	g_object_unref(anim);
	if (!vips_webpsave_buffer(rgb, &buf, &len, "Q", 40, NULL))
		both("lossy.webp", buf, len);
	if (!vips_webpsave_buffer(rgb, &buf, &len, "lossless", TRUE, NULL))
		both("lossless.webp", buf, len);
	if (!vips_webpsave_buffer(rgba, &buf, &len, NULL))
		both("alpha.webp", buf, len);
	g_object_unref(rgb);
	g_object_unref(grey);
	g_object_unref(rgba);
	g_object_unref(one);
}

static size_t be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

/* ftyp, moov (mvhd, trak/tkhd 320 x 240), mdat: what kanal's box walk reads. */
static void video(const char *name, const char *brand)
{
	unsigned char v[400] = {0};
	size_t n = 0;
	n += be32(v + n, 20);
	memcpy(v + n, "ftyp", 4), n += 4;
	memcpy(v + n, brand, 4), n += 4;
	n += be32(v + n, 0);
	memcpy(v + n, "isom", 4), n += 4;
	size_t moov = n;
	n += 8;
	memcpy(v + moov + 4, "moov", 4);
	n += be32(v + n, 108);
	memcpy(v + n, "mvhd", 4), n += 4;
	be32(v + n + 12, 1000);
	be32(v + n + 16, 4000);
	n += 100;
	size_t trak = n;
	n += 8;
	memcpy(v + trak + 4, "trak", 4);
	n += be32(v + n, 92);
	memcpy(v + n, "tkhd", 4), n += 4;
	be32(v + n + 76, 320u << 16);
	be32(v + n + 80, 240u << 16);
	n += 84;
	be32(v + trak, (uint32_t)(n - trak));
	be32(v + moov, (uint32_t)(n - moov));
	n += be32(v + n, 24);
	memcpy(v + n, "mdat", 4), n += 4;
	n += 16;
	put("media_probe", name, v, n);
	char cut[64];
	snprintf(cut, sizeof cut, "cut-%s", name);
	put("media_probe", cut, v, n - 5);
}

static void hostile(void)
{
	/* A PNG header declaring 100000 x 100000 pixels over a few bytes. */
	static const unsigned char bomb[] = {0x89, 'P',	 'N', 'G', '\r', '\n', 0x1a, '\n', 0,	 0,    0,
					     13,   'I',	 'H', 'D', 'R',	 0,    1,    0x86, 0xa0, 0,    1,
					     0x86, 0xa0, 8,   2,   0,	 0,    0,    0x5b, 0x7c, 0x1d, 0x33};
	put("media_probe", "bomb.png", bomb, sizeof bomb);
	static const char poly[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00<html><script>alert(1)</script></html>";
	put("media_probe", "polyglot.gif", poly, sizeof poly - 1);
	static const unsigned char soi_eoi[] = {0xff, 0xd8, 0xff, 0xd9};
	put("media_probe", "soi-eoi.jpg", soi_eoi, sizeof soi_eoi);
	put("media_probe", "text.jpg", "hello, not an image\n", 20);
	static const char webp[] =
	    "RIFF\x30\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\xff\xff\x00";
	put("media_probe", "webp-huge-canvas.webp", webp, sizeof webp - 1);
}

static void multipart(void)
{
	static const char *const bodies[] = {
	    "--kanal-fuzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\nxyz\r\n--kanal-fuzz\r\n"
	    "Content-Disposition: form-data; name=\"alt_text\"\r\n\r\nA cat\r\n--kanal-fuzz--\r\n",
	    "preamble\r\n--kanal-fuzz  \r\nContent-Disposition: form-data; name=tags\r\n\r\na, b\r\n--kanal-fuzz--",
	    "--kanal-fuzz\r\n\r\nno disposition\r\n--kanal-fuzz--\r\n",
	    "--kanal-fuzz\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n\r\n--kanal-fu\r\n--kanal-fuzz--\r\n",
	    "--kanal-fuzz\r\nContent-Disposition: form-data; name=\"x\\\"y\"; filename=\"\xc3\xab.jpg\"\r\n\r\n"
	    "--kanal-fuzz--",
	    "--kanal-fuzz--\r\nepilogue",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		char name[32], seed[2048];
		snprintf(name, sizeof name, "body-%zu", i);
		seed[0] = (char)(i * 5); /* the chunk size byte */
		size_t n = strlen(bodies[i]);
		memcpy(seed + 1, bodies[i], n);
		put("multipart", name, seed, n + 1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	if (VIPS_INIT(argv[0]))
		vips_error_exit("init");
	snprintf(dir, sizeof dir, "%s", argv[1]);
	char sub[1200];
	mkdir(dir, 0755);
	snprintf(sub, sizeof sub, "%s/media_probe", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof sub, "%s/multipart", dir);
	mkdir(sub, 0755);
	images();
	video("clip.mp4", "isom");
	video("clip.mov", "qt  ");
	hostile();
	multipart();
	vips_shutdown();
	return 0;
}
