/* buf: growable, always NUL-terminated byte buffers with a hard size cap,
 * and str: borrowed views. */
#ifndef KANAL_BUF_H
#define KANAL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;  /* NUL-terminated; NULL until the first append */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* growth cap in bytes (0 = 64 MiB) */
};

struct str {
	const char *ptr;
	size_t len;
};

#define BUF_INIT(m) {NULL, 0, 0, (m)}

/* Append len bytes. Returns 0, or ERR_TOOLARGE when max would be passed
 * (the buffer is then unchanged). Out of memory aborts. */
int buf_add(struct buf *b, const void *p, size_t len);
/* Append a NUL-terminated string; as buf_add. */
int buf_adds(struct buf *b, const char *s);
/* Append printf-style output; as buf_add. */
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Empty the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Free the memory; the buffer is empty and reusable afterwards. */
void buf_free(struct buf *b);
/* Give the string to the caller (caller frees); the buffer is emptied.
 * Never returns NULL. */
char *buf_steal(struct buf *b);
/* The contents as a C string ("" when empty). Borrowed. */
const char *buf_cstr(const struct buf *b);

/* Out-of-memory-aborting allocators. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Copy at most size-1 bytes of src into dst, always NUL-terminating.
 * Returns the length of src (as strlcpy). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Parse a base-10 signed 64-bit integer occupying the whole string.
 * Returns 0 and sets *out, or -1 on any malformation or overflow. */
int str_to_i64(const char *s, long long *out);
/* 1 when s starts with prefix. */
int str_starts(const char *s, const char *prefix);

#endif
