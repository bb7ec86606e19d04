/* library: a workspace's media items — the rows that point at content-
 * addressed bytes (media/media.h), with alt text, tags and how many posts
 * use each. Items cross this interface as JSON (jansson); every change is
 * in one transaction with its audit entry. */
#ifndef KANAL_LIBRARY_H
#define KANAL_LIBRARY_H

#include <jansson.h>
#include <stdint.h>

#include "core/core.h"
#include "media/media.h"

#define LIBRARY_TAGS_MAX 30
#define LIBRARY_TAG_MAX 50 /* bytes */

/* Add an upload: the temporary file tmp holds bytes with hash sha256 that
 * media_probe_* found to be info. When the workspace has these bytes
 * already, that item is returned with *existed = 1 and nothing changes;
 * otherwise the file goes to its content address under root (stored once
 * however many workspaces hold it) and a row is made. alt_text (may be "")
 * and tags (a checked array, borrowed) as library_check_alt/_tags accept.
 * *out (caller decrefs) is the item. The temporary file is gone on return,
 * success or not. */
int library_add(struct store *st, const struct actor *a, int64_t ws, const char *root, const char *tmp,
		const char *sha256, const struct media_info *info, const char *filename, const char *alt_text,
		json_t *tags, json_t **out, int *existed, struct err *e);
/* One item (media.not_found when not in ws). */
int library_get(struct store *st, int64_t ws, int64_t id, json_t **out, struct err *e);
/* Newest first: ids below before_id (0 = from the newest), at most limit;
 * tag and type ("image" | "video") filter when non-NULL. *out is an array. */
int library_list(struct store *st, int64_t ws, const char *tag, const char *type, int64_t before_id, int limit,
		 json_t **out, struct err *e);
/* fields: alt_text (string or null), tags (array). */
int library_update(struct store *st, const struct actor *a, int64_t ws, int64_t id, json_t *fields, json_t **out,
		   struct err *e);
/* Delete an item no post uses (media.in_use 409 otherwise); its bytes go
 * when no workspace holds them any more. */
int library_delete(struct store *st, const struct actor *a, int64_t ws, int64_t id, const char *root, struct err *e);

/* Alt text: valid UTF-8 without NUL, at most MEDIA_ALT_MAX characters
 * (media.alt_text). */
int library_check_alt(const char *s, size_t len, struct err *e);
/* Tags: at most LIBRARY_TAGS_MAX texts of 1 to LIBRARY_TAG_MAX bytes
 * without control characters (media.tags). */
int library_check_tags(json_t *tags, struct err *e);
/* Tags as a multipart field sends them: a JSON array, or words separated
 * by commas. *out (caller decrefs) is a checked array. */
int library_parse_tags(const char *s, size_t len, json_t **out, struct err *e);

/* For posts: every id of the array ids must be an item of ws; post.media
 * (400) with field "<field>[i]" names the first that is not. */
int library_check_ids(struct store *st, int64_t ws, json_t *ids, const char *field, struct err *e);
/* The items of ids, in order, each {id, type, format, width, height,
 * alt_text}; ids not found are left out. Caller decrefs. */
json_t *library_items(struct store *st, int64_t ws, json_t *ids);

#endif
