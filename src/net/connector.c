/* connector: the table of connectors by network name. A network whose
 * connector is not built into this binary has none (its publications fail
 * with a clear reason instead of waiting forever). */
#include "net/connector.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/time.h"
#include "net/http_client.h"

extern const struct connector conn_webhook;
extern const struct connector conn_manual;
/* Each network connector is built when its file exists (see the Makefile). */
#ifdef KANAL_HAVE_BLUESKY
extern const struct connector conn_bluesky;
#endif
#ifdef KANAL_HAVE_MASTODON
extern const struct connector conn_mastodon;
#endif
#ifdef KANAL_HAVE_X
extern const struct connector conn_x;
#endif
#ifdef KANAL_HAVE_LINKEDIN
extern const struct connector conn_linkedin;
#endif
#ifdef KANAL_HAVE_FACEBOOK
extern const struct connector conn_facebook;
#endif
#ifdef KANAL_HAVE_INSTAGRAM
extern const struct connector conn_instagram;
#endif
#ifdef KANAL_HAVE_THREADS
extern const struct connector conn_threads;
#endif

static const struct connector *const all[] = {
	&conn_webhook,
	&conn_manual,
#ifdef KANAL_HAVE_BLUESKY
	&conn_bluesky,
#endif
#ifdef KANAL_HAVE_MASTODON
	&conn_mastodon,
#endif
#ifdef KANAL_HAVE_X
	&conn_x,
#endif
#ifdef KANAL_HAVE_LINKEDIN
	&conn_linkedin,
#endif
#ifdef KANAL_HAVE_FACEBOOK
	&conn_facebook,
#endif
#ifdef KANAL_HAVE_INSTAGRAM
	&conn_instagram,
#endif
#ifdef KANAL_HAVE_THREADS
	&conn_threads,
#endif
};

const struct connector *connector_for(const char *network)
{
	for (size_t i = 0; network && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(all[i]->network, network) == 0)
			return all[i];
	return NULL;
}

/* One header's integer value, or -1. */
static int64_t header_int(const struct http_response *rs, const char *name)
{
	char v[64];
	if (!name || !http_response_header(rs, name, v, sizeof v))
		return -1;
	char *end;
	long long n = strtoll(v, &end, 10);
	return end == v || n < 0 ? -1 : (int64_t)n;
}

void net_rate_from_headers(const struct http_response *rs, const char *limit, const char *remaining,
			   const char *reset, enum net_reset_kind kind, struct net_rate *out)
{
	int64_t l = header_int(rs, limit), r = header_int(rs, remaining), at = -1;
	char v[80];
	if (reset && http_response_header(rs, reset, v, sizeof v)) {
		int64_t t;
		if (kind == NET_RESET_RFC3339) {
			if (time_parse_rfc3339(v, &t) == 0)
				at = t;
		} else {
			t = header_int(rs, reset);
			if (t >= 0)
				at = kind == NET_RESET_EPOCH_S ? t * 1000 : time_now_ms() + t * 1000;
		}
	}
	if (l < 0 && r < 0 && at < 0)
		return; /* the answer said nothing: keep what was known */
	out->known = 1;
	out->limit = l;
	out->remaining = r;
	out->reset_at_ms = at;
}
