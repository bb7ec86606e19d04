/* vips_dl: dlopen libvips, dlsym its functions (see vips_dl.h). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "media/vips_dl.h"

struct vips_dl vdl;

int vips_dl_open(void)
{
	/* The ABI the headers describe; libvips names its library after it. */
	const int abi = VIPS_LIBRARY_CURRENT - VIPS_LIBRARY_AGE;
	char name[64];
	const char *lib = KANAL_LIBVIPS;
	if (!lib) {
		snprintf(name, sizeof name, "libvips.so.%d", abi);
		lib = name;
	}
	/* Local: its symbols (and glib's) stay out of the global namespace.
	 * glib and gobject come in as its dependencies, and dlsym on the
	 * handle finds their functions too. */
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		log_error("libvips: cannot load %s: %s; image uploads and renditions are unavailable", lib,
			  why ? why : "?");
		return -1;
	}
	struct vips_dl t;
	const char *missing = NULL;
#define VIPS_DL_LOAD(member, symbol)                                                                                   \
	if (!missing && !(t.member = (__typeof__(t.member))dlsym(h, #symbol)))                                         \
		missing = #symbol;
	VIPS_DL_SYMBOLS(VIPS_DL_LOAD)
#undef VIPS_DL_LOAD
	if (missing) {
		log_error("libvips: %s has no %s (kanal needs libvips %d.%d or later)", lib, missing,
			  VIPS_MAJOR_VERSION, VIPS_MINOR_VERSION);
		dlclose(h);
		return -1;
	}
	/* What VIPS_INIT checks before vips_init. */
	int have = t.version(3) - t.version(5);
	if (have != abi) {
		log_error("libvips: %s has ABI version %d; kanal was built for %d", lib, have, abi);
		dlclose(h);
		return -1;
	}
	vdl = t;
	return 0;
}
