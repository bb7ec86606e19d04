/* medialink: signed, expiring public URLs of library media, for networks
 * that fetch images themselves (Instagram, Threads, Facebook photos by
 * URL). "<public base>/media/p/<token>": the token names one library item
 * of one workspace, the network whose rendition to serve, and an expiry,
 * signed with a key derived from the server's secret (like review links).
 * No session is needed to fetch it; a bad or expired token is a 404. */
#ifndef KANAL_MEDIALINK_H
#define KANAL_MEDIALINK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define MEDIALINK_TTL_MS (48LL * 3600 * 1000) /* Instagram containers live 24 h */
#define MEDIALINK_NET_MAX 32

/* Write "<base>/media/p/<token>" to out (base without a trailing '/').
 * network: "instagram", ... (lower-case letters and digits). Returns 0, or -1
 * when it does not fit (out is then ""). */
int medialink_make(const char *base, int64_t ws, int64_t media, const char *network, int64_t expires_ms, char *out,
		   size_t size);

/* Check a token: 0 with *ws, *media and network (MEDIALINK_NET_MAX bytes)
 * set, or media_link.invalid / media_link.expired (ERR_NOTFOUND). */
int medialink_open(const char *token, int64_t *ws, int64_t *media, char *network, struct err *e);

#endif
