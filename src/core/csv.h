/* csv: RFC 4180 reading for hostile input (quoted fields, doubled quotes,
 * CRLF / LF / CR line ends, a UTF-8 byte-order mark) and writing. Bytes in,
 * bytes out: the reader never judges encoding, the caller checks each
 * field (quotes, commas and line ends are ASCII, so a broken UTF-8
 * sequence cannot hide a delimiter). */
#ifndef KANAL_CSV_H
#define KANAL_CSV_H

#include <stddef.h>

#include "base/buf.h"

#define CSV_MAX_FIELDS 64 /* a record with more is marked too_many; the rest are dropped */

struct csv_record {
	size_t n;			  /* fields kept (at most CSV_MAX_FIELDS) */
	struct str field[CSV_MAX_FIELDS]; /* decoded, NUL-terminated; valid until the next csv_next */
	long line;			  /* physical line the record starts on, 1-based */
	int blank;			  /* an empty line (one empty, unquoted field) */
	int too_many;			  /* the record had more than CSV_MAX_FIELDS fields */
	int quote_error;		  /* a misplaced quote: in an unquoted field, text after a
					     closing quote, or a quote never closed (then the record
					     runs to the end of the input) */
	size_t quote_field;		  /* the field of the first quote error */
};

struct csv_reader {
	const char *s;
	size_t len, pos;
	long line;
	struct buf scratch; /* the decoded fields of the current record */
};

/* Start reading s[0..len) (borrowed; must outlive the reader). A leading
 * UTF-8 byte-order mark is skipped. */
void csv_open(struct csv_reader *r, const char *s, size_t len);
/* Read the next record into rec: 1 when there was one, 0 at the end of
 * the input (a final line end does not start an empty record). Within a
 * quoted field CRLF and CR become LF. Never fails: problems are flagged in
 * rec and reading goes on after them. */
int csv_next(struct csv_reader *r, struct csv_record *rec);
/* Free the reader's memory. */
void csv_close(struct csv_reader *r);

/* Append s[0..len) as one field: quoted (with quotes doubled) when it holds
 * a comma, quote, CR, LF, or begins or ends with a space. The caller adds
 * the commas and the CRLF between records. */
void csv_write_field(struct buf *out, const char *s, size_t len);

#endif
