/* bluesky: the connector for Bluesky (AT Protocol XRPC on the account's
 * PDS), conn_bluesky in the table of src/net/connector.c. What it expects
 * of the engine:
 *
 * - account->base_url: the PDS ("https://bsky.social" when NULL or empty);
 *   account->handle: the handle (or DID) to log in with.
 * - account->secrets: {"app_password": "xxxx-xxxx-xxxx-xxxx"} ("password"
 *   is read too; "identifier" overrides the handle for the login).
 * - account->state: the session, {"did", "handle", "accessJwt",
 *   "refreshJwt"}; created, refreshed and rewritten here (state_changed is
 *   then set: save it even when the call failed, because a refresh rotates
 *   the refresh token). When state is NULL or not an object, a new object
 *   is put there and the caller owns it (json_decref); an existing object
 *   is changed in place. A stored refresh token is never replaced by an
 *   empty one.
 * - post->idempotency_key: required and stable across every attempt of a
 *   variant. Each part's record key (rkey) is a TID derived from it alone
 *   (part 0 from the key, part i from key + "/i", the first comment from
 *   key + "/comment"), so that a retry collides with what an earlier
 *   attempt created instead of duplicating it; publish reconciles a failed
 *   createRecord with getRecord on the same rkey, and find_published
 *   answers from getRecord.
 * - post->thread: further parts, each a string or {"text", "media"};
 *   post->media and each part's media: [{path, mime, alt, width, height}],
 *   images only (≤ 4, each ≤ 1,000,000 bytes); post->first_comment: a
 *   reply to the first part; post->link: when not already in the text and
 *   there are no images, an external embed.
 * - remote_id is the at:// URI of the first part; remote_url its bsky.app
 *   address.
 * - http_client_init() before the first call (tests on loopback set
 *   KANAL_NET_ALLOW_LOOPBACK=1). */
#ifndef KANAL_NET_BLUESKY_H
#define KANAL_NET_BLUESKY_H

#include <stddef.h>
#include <stdint.h>

#include "net/connector.h"

extern const struct connector conn_bluesky;

/* The record key (a TID, 13 characters + NUL) for one part of a post:
 * part 0 is the post itself, part i > 0 the i-th further part of its
 * thread, part -1 its first comment. Depends on key and part only. */
void bluesky_rkey(const char *key, int part, char out[14]);

#endif
