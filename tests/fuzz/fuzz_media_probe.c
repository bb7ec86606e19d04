/* fuzz_media_probe: libFuzzer over the upload probe (media_probe_buffer):
 * sniffing, kanal's own header parsers, the pixel caps and the full libvips
 * decode. Any input must end in a sound result or a media.* 4xx — never a
 * crash, a sanitizer report, or a 5xx-class error. Seeds: tests/fuzz/seeds/
 * media_probe (made by tests/fuzz/gen_seeds.c); run with `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "media/media.h"
#include "media/vips_dl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_OFF);
	if (media_init())
		abort();
	/* Inputs are freed after each run: nothing may keep pointing at them.
	 * libvips is loaded as kanal loads it (media_init, media/vips_dl.c). */
	vdl.cache_set_max(0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct media_info info;
	struct err e;
	err_clear(&e);
	int rc = media_probe_buffer(data, size, &info, &e);
	if (rc == 0) {
		if (info.format == MEDIA_UNKNOWN || info.bytes != size)
			abort();
		if (media_format_kind(info.format) == MEDIA_IMAGE &&
		    (info.width <= 0 || info.height <= 0 || info.width > MEDIA_MAX_SIDE ||
		     info.height > MEDIA_MAX_SIDE || (uint64_t)info.width * (uint64_t)info.height > MEDIA_MAX_PIXELS ||
		     info.frames < 1 || info.frames > MEDIA_MAX_FRAMES))
			abort();
		return 0;
	}
	/* A refusal is a client error with a stable media.* code. */
	if ((rc != ERR_INVALID && rc != ERR_UNSUPPORTED) || rc != e.code || strncmp(e.key, "media.", 6) != 0)
		abort();
	return 0;
}
