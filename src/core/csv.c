/* csv: an RFC 4180 reader that takes hostile input, and the writer. One
 * pass over the bytes; fields are decoded into a scratch buffer whose
 * offsets become pointers once the record is complete (the buffer may move
 * while it grows). */
#include "core/csv.h"

#include <assert.h>
#include <string.h>

void csv_open(struct csv_reader *r, const char *s, size_t len)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	r->len = len;
	r->line = 1;
	r->scratch.max = 0;
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
}

void csv_close(struct csv_reader *r)
{
	buf_free(&r->scratch);
}

/* Consume one line end at pos (CRLF, LF or CR); 1 when there was one. */
static int eat_eol(struct csv_reader *r)
{
	if (r->pos >= r->len)
		return 0;
	if (r->s[r->pos] == '\r') {
		r->pos += r->pos + 1 < r->len && r->s[r->pos + 1] == '\n' ? 2 : 1;
		r->line++;
		return 1;
	}
	if (r->s[r->pos] == '\n') {
		r->pos++;
		r->line++;
		return 1;
	}
	return 0;
}

static void flag_quote(struct csv_record *rec, size_t field)
{
	if (!rec->quote_error) {
		rec->quote_error = 1;
		rec->quote_field = field;
	}
}

/* Read a quoted field (pos is just past the opening quote) into scratch,
 * up to the closing quote. */
static void read_quoted(struct csv_reader *r, struct csv_record *rec, size_t field)
{
	for (;;) {
		size_t start = r->pos;
		while (r->pos < r->len && r->s[r->pos] != '"' && r->s[r->pos] != '\r' && r->s[r->pos] != '\n')
			r->pos++;
		buf_add(&r->scratch, r->s + start, r->pos - start);
		if (r->pos >= r->len) {
			/* never closed: the field ran to the end of the input */
			flag_quote(rec, field);
			return;
		}
		char c = r->s[r->pos];
		if (c == '"') {
			if (r->pos + 1 < r->len && r->s[r->pos + 1] == '"') {
				buf_add(&r->scratch, "\"", 1);
				r->pos += 2;
				continue;
			}
			r->pos++;
			return;
		}
		/* a line end inside quotes is part of the field, as LF */
		eat_eol(r);
		buf_add(&r->scratch, "\n", 1);
	}
}

/* Read up to the next comma or line end into scratch. A quote here is
 * misplaced (RFC 4180: fields with quotes are quoted); it is kept as text. */
static void read_bare(struct csv_reader *r, struct csv_record *rec, size_t field)
{
	size_t start = r->pos;
	while (r->pos < r->len && r->s[r->pos] != ',' && r->s[r->pos] != '\r' && r->s[r->pos] != '\n') {
		if (r->s[r->pos] == '"')
			flag_quote(rec, field);
		r->pos++;
	}
	buf_add(&r->scratch, r->s + start, r->pos - start);
}

int csv_next(struct csv_reader *r, struct csv_record *rec)
{
	memset(rec, 0, sizeof *rec);
	if (r->pos >= r->len)
		return 0;
	rec->line = r->line;
	buf_reset(&r->scratch);
	size_t off[CSV_MAX_FIELDS], flen[CSV_MAX_FIELDS];
	size_t field = 0;
	int quoted_any = 0;
	for (;;) {
		size_t start = r->scratch.len;
		if (r->pos < r->len && r->s[r->pos] == '"') {
			quoted_any = 1;
			r->pos++;
			read_quoted(r, rec, field);
			/* after the closing quote only a comma or a line end may follow */
			if (r->pos < r->len && r->s[r->pos] != ',' && r->s[r->pos] != '\r' && r->s[r->pos] != '\n') {
				flag_quote(rec, field);
				read_bare(r, rec, field);
			}
		} else {
			read_bare(r, rec, field);
		}
		size_t len = r->scratch.len - start;
		buf_add(&r->scratch, "", 1); /* each field NUL-terminated in place */
		if (field < CSV_MAX_FIELDS) {
			off[field] = start;
			flen[field] = len;
			rec->n = field + 1;
		} else {
			rec->too_many = 1;
		}
		field++;
		if (r->pos < r->len && r->s[r->pos] == ',') {
			r->pos++;
			continue;
		}
		eat_eol(r);
		break;
	}
	assert(rec->n >= 1);
	for (size_t i = 0; i < rec->n; i++) {
		rec->field[i].ptr = r->scratch.ptr + off[i];
		rec->field[i].len = flen[i];
	}
	rec->blank = rec->n == 1 && flen[0] == 0 && !quoted_any && !rec->too_many;
	return 1;
}

void csv_write_field(struct buf *out, const char *s, size_t len)
{
	int quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
	for (size_t i = 0; i < len && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = 1;
	if (!quote) {
		buf_add(out, s, len);
		return;
	}
	buf_add(out, "\"", 1);
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			buf_add(out, s + start, i + 1 - start);
			buf_add(out, "\"", 1);
			start = i + 1;
		}
	}
	buf_add(out, s + start, len - start);
	buf_add(out, "\"", 1);
}
