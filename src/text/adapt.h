/* adapt: declining a master text for one network. */
#ifndef KANAL_ADAPT_H
#define KANAL_ADAPT_H

#include <jansson.h>

#include "text/text.h"

/* {text, thread: [parts] | null, notes: [{code, ...}]} for master on net:
 * hashtags past the cap dropped (adapt.hashtags_dropped), a long text split
 * into a numbered thread where the network has threads (adapt.thread), or
 * trimmed at a sentence or word boundary with an ellipsis (adapt.trimmed).
 * Caller decrefs. */
json_t *adapt_text(enum network net, const char *master, const struct net_limits *lim);
/* The hook for tracking links: when set (by the links feature), adapt_text
 * replaces each URL the network detects by what it returns (caller frees;
 * NULL keeps the URL). */
extern char *(*adapt_link_hook)(const char *url, enum network net, void *ctx);
extern void *adapt_link_ctx;

/* LinkedIn's "little text": every reserved character backslash-escaped, so
 * the post is not cut at the first one. Caller frees. */
char *adapt_linkedin_escape(const char *s);

#endif
