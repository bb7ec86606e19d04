/* arena: a bump allocator freed in one place; every HTTP request owns one. */
#ifndef KANAL_ARENA_H
#define KANAL_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t total; /* bytes handed out, for limits and metrics */
};

/* Allocate n bytes aligned for any type; never NULL (out of memory aborts).
 * Memory lives until arena_free. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy a string / n bytes (NUL-terminated) into the arena. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free every chunk; the arena is empty and reusable afterwards. */
void arena_free(struct arena *a);

#endif
