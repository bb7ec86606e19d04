/* time: UTC epoch milliseconds, RFC 3339, and IANA zone checks (libical). */
#ifndef KANAL_TIME_H
#define KANAL_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Wall clock, UTC epoch milliseconds. */
int64_t time_now_ms(void);
/* Monotonic clock in nanoseconds, for durations. */
int64_t time_mono_ns(void);
/* Format ms as "2026-11-29T20:40:52.123Z" into out (>= 25 bytes). */
void time_fmt_rfc3339(int64_t ms, char *out, size_t size);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t time_days_from_civil(int y, int m, int d);
void time_civil_from_days(int64_t days, int *y, int *m, int *d);
/* Parse RFC 3339 ("2026-11-29T20:40:52Z", fractional seconds and +hh:mm
 * offsets allowed). Returns 0 and sets *ms, or -1 when malformed. */
int time_parse_rfc3339(const char *s, int64_t *ms);
/* 1 when name is an IANA zone libical knows ("Europe/Tirane", "UTC"). */
int time_zone_valid(const char *name);
/* UTC offset in seconds of zone at UTC instant ms (DST included); 0 and -1
 * returned for unknown zones. */
int time_zone_offset(const char *name, int64_t ms, int *offset_s);
/* Append zone's RFC 5545 VTIMEZONE (from libical's zone data, TZID = name,
 * CRLF line ends, folded) to out. Returns 0, or -1 for an unknown zone or
 * "UTC" (which needs none); out is then unchanged. */
struct buf;
int time_zone_vtimezone(const char *name, struct buf *out);

#endif
