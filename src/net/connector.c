/* connector: the table of connectors by network name. A network whose
 * connector is not built into this binary has none (its publications fail
 * with a clear reason instead of waiting forever). */
#include "net/connector.h"

#include <string.h>

extern const struct connector conn_webhook;
extern const struct connector conn_manual;
#ifdef KANAL_HAVE_BLUESKY /* set by the Makefile when src/net/bluesky.c exists */
extern const struct connector conn_bluesky;
#endif
#ifdef KANAL_HAVE_MASTODON /* set by the Makefile when src/net/mastodon.c exists */
extern const struct connector conn_mastodon;
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
};

const struct connector *connector_for(const char *network)
{
	for (size_t i = 0; network && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(all[i]->network, network) == 0)
			return all[i];
	return NULL;
}
