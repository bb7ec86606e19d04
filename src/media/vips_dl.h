/* vips_dl: libvips loaded at run time. The kanal binary does not link
 * libvips: it brings in about a hundred shared libraries (glib, the image
 * codecs, cairo, poppler, ...) that would cost every server start time and
 * some 15 MB of memory, though only uploads and renditions need them.
 * media_init() (media/probe.c) calls vips_dl_open() once, on first use; the
 * media code then calls libvips and glib only through vdl, whose pointers
 * have the very prototypes of <vips/vips.h> (varargs functions included).
 * <vips/vips.h> is still needed to build, for the types and constants. */
#ifndef KANAL_VIPS_DL_H
#define KANAL_VIPS_DL_H

#include <vips/vips.h>

/* The library loaded: "libvips.so.<ABI of the headers>" unless the build
 * says otherwise (-DKANAL_LIBVIPS=\"/path/libvips.so.42\"). */
#ifndef KANAL_LIBVIPS
#define KANAL_LIBVIPS NULL
#endif

/* Every libvips and glib function kanal calls: X(member, symbol). Add a
 * function here before calling it as vdl.member. */
#define VIPS_DL_SYMBOLS(X)                                                                                             \
	X(log_set_handler, g_log_set_handler)                                                                          \
	X(free, g_free)                                                                                                \
	X(unref, g_object_unref)                                                                                       \
	X(version, vips_version)                                                                                       \
	X(init, vips_init)                                                                                             \
	X(shutdown, vips_shutdown)                                                                                     \
	X(error_buffer, vips_error_buffer)                                                                             \
	X(error_clear, vips_error_clear)                                                                               \
	X(cache_set_max, vips_cache_set_max)                                                                           \
	X(cache_set_max_mem, vips_cache_set_max_mem)                                                                   \
	X(cache_set_max_files, vips_cache_set_max_files)                                                               \
	X(concurrency_set, vips_concurrency_set)                                                                       \
	X(block_untrusted_set, vips_block_untrusted_set)                                                               \
	X(operation_block_set, vips_operation_block_set)                                                               \
	X(source_new_from_file, vips_source_new_from_file)                                                             \
	X(source_new_from_memory, vips_source_new_from_memory)                                                         \
	X(jpegload_source, vips_jpegload_source)                                                                       \
	X(pngload_source, vips_pngload_source)                                                                         \
	X(gifload_source, vips_gifload_source)                                                                         \
	X(webpload_source, vips_webpload_source)                                                                       \
	X(image_get_width, vips_image_get_width)                                                                       \
	X(image_get_height, vips_image_get_height)                                                                     \
	X(image_get_n_pages, vips_image_get_n_pages)                                                                   \
	X(image_get_orientation_swap, vips_image_get_orientation_swap)                                                 \
	X(image_hasalpha, vips_image_hasalpha)                                                                         \
	X(image_copy_memory, vips_image_copy_memory)                                                                   \
	X(avg, vips_avg)                                                                                               \
	X(thumbnail, vips_thumbnail)                                                                                   \
	X(flatten, vips_flatten)                                                                                       \
	X(array_double_newv, vips_array_double_newv)                                                                   \
	X(area_unref, vips_area_unref)                                                                                 \
	X(jpegsave_buffer, vips_jpegsave_buffer)

struct vips_dl {
#define VIPS_DL_FIELD(member, symbol) __typeof__(symbol) *member;
	VIPS_DL_SYMBOLS(VIPS_DL_FIELD)
#undef VIPS_DL_FIELD
};

/* Filled by vips_dl_open(); all NULL before (or after a failure). */
extern struct vips_dl vdl;

/* Load libvips and resolve every function above, and check that its ABI
 * is the one kanal was built against. Not thread-safe: call it once
 * (media_init does, under pthread_once). 0, or -1 after logging why; the
 * library is never unloaded. It is not started here: see media_init. */
int vips_dl_open(void);

/* VIPS_UNREF through the table. */
#define VDL_UNREF(X)                                                                                                   \
	do {                                                                                                           \
		if (X) {                                                                                               \
			vdl.unref(X);                                                                                  \
			(X) = NULL;                                                                                    \
		}                                                                                                      \
	} while (0)

#endif
