/* test_csv: the RFC 4180 reader and writer (core/csv.c) on the shapes
 * spreadsheets write and the ones an attacker would — quoted fields,
 * doubled quotes, CRLF / LF / CR, a BOM, broken quotes, too many fields —
 * and a seeded random round trip and random-bytes run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "core/csv.h"

/* Read all of s; each record as its fields joined by '|', records by '/'
 * (for compact expectations). Flags are appended as !q<field> and !m. */
static void read_all(const char *s, size_t len, struct buf *out)
{
	struct csv_reader r;
	struct csv_record rec;
	csv_open(&r, s, len);
	int first = 1;
	while (csv_next(&r, &rec)) {
		if (!first)
			buf_adds(out, "/");
		first = 0;
		for (size_t i = 0; i < rec.n; i++) {
			if (i)
				buf_adds(out, "|");
			buf_add(out, rec.field[i].ptr, rec.field[i].len);
			assert_int_equal(rec.field[i].ptr[rec.field[i].len], '\0');
		}
		if (rec.quote_error)
			buf_addf(out, "!q%zu", rec.quote_field);
		if (rec.too_many)
			buf_adds(out, "!m");
		if (rec.blank)
			buf_adds(out, "!b");
	}
	csv_close(&r);
}

static void expect(const char *in, const char *want)
{
	struct buf b = BUF_INIT(0);
	read_all(in, strlen(in), &b);
	if (strcmp(buf_cstr(&b), want) != 0)
		fail_msg("input [%s]\n got [%s]\nwant [%s]", in, buf_cstr(&b), want);
	buf_free(&b);
}

static void test_plain_records_and_line_ends(void **state)
{
	(void)state;
	expect("a,b,c\r\n1,2,3\r\n", "a|b|c/1|2|3");
	expect("a,b\n1,2", "a|b/1|2");	 /* LF, no final line end */
	expect("a,b\r1,2\r", "a|b/1|2"); /* old Mac CR */
	expect("a,,\n,,\n", "a||/||");	 /* empty fields, trailing commas */
	expect("a\n\nb\n", "a/!b/b");	 /* a blank line is a record, flagged */
	expect("", "");
	expect("\xEF\xBB\xBFtitle,text\n", "title|text"); /* the BOM is not part of the first name */
	expect(" a , b ", " a | b ");			  /* spaces are data */
}

static void test_quoted_fields(void **state)
{
	(void)state;
	expect("\"a,b\",\"c\"\"d\",\"\"\n", "a,b|c\"d|");
	expect("\"line 1\r\nline 2\rline 3\nline 4\",x\n", "line 1\nline 2\nline 3\nline 4|x");
	expect("\"\"\"\"\n", "\"");
	expect("\"ë, 🌅; ç\"\n", "ë, 🌅; ç");
	expect("\"\"\n", ""); /* one empty quoted field is not a blank line */
}

static void test_broken_quotes_are_flagged_and_reading_goes_on(void **state)
{
	(void)state;
	expect("a,b\"c,d\nx,y\n", "a|b\"c|d!q1/x|y");		       /* a quote in an unquoted field */
	expect("\"a\"b,c\nx\n", "ab|c!q0/x");			       /* text after the closing quote */
	expect("x,\"never closed\ny,z\n", "x|never closed\ny,z\n!q1"); /* runs to the end */
	expect("\"", "!q0");
}

static void test_line_numbers_follow_embedded_newlines(void **state)
{
	(void)state;
	const char *s = "h1,h2\n\"a\nb\nc\",1\nnext,2\n";
	struct csv_reader r;
	struct csv_record rec;
	csv_open(&r, s, strlen(s));
	assert_int_equal(csv_next(&r, &rec), 1);
	assert_int_equal(rec.line, 1);
	assert_int_equal(csv_next(&r, &rec), 1);
	assert_int_equal(rec.line, 2);
	assert_int_equal(csv_next(&r, &rec), 1);
	assert_int_equal(rec.line, 5);
	assert_int_equal(csv_next(&r, &rec), 0);
	csv_close(&r);
}

static void test_too_many_fields_are_capped(void **state)
{
	(void)state;
	struct buf in = BUF_INIT(0);
	for (int i = 0; i < 1000; i++)
		buf_adds(&in, "x,");
	buf_adds(&in, "end\nnext\n");
	struct csv_reader r;
	struct csv_record rec;
	csv_open(&r, in.ptr, in.len);
	assert_int_equal(csv_next(&r, &rec), 1);
	assert_int_equal(rec.n, CSV_MAX_FIELDS);
	assert_true(rec.too_many);
	assert_int_equal(csv_next(&r, &rec), 1);
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.field[0].ptr, "next");
	csv_close(&r);
	buf_free(&in);
}

static void test_writer_quotes_only_when_needed(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	csv_write_field(&b, "plain ë", 8);
	buf_adds(&b, "|");
	csv_write_field(&b, "a,b", 3);
	buf_adds(&b, "|");
	csv_write_field(&b, "say \"hi\"", 8);
	buf_adds(&b, "|");
	csv_write_field(&b, "two\nlines", 9);
	buf_adds(&b, "|");
	csv_write_field(&b, " padded", 7);
	assert_string_equal(buf_cstr(&b), "plain ë|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\" padded\"");
	buf_free(&b);
}

/* A fixed-seed generator, so that a failure repeats. */
static uint32_t rng = 2463534242u;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_random_fields_round_trip(void **state)
{
	(void)state;
	static const char alphabet[] = "ab,\"\n; ë🌅";
	for (int round = 0; round < 300; round++) {
		size_t nrec = 1 + next_rand() % 5, nf = 1 + next_rand() % 6;
		char fields[5][6][40];
		struct buf file = BUF_INIT(0);
		for (size_t i = 0; i < nrec; i++) {
			for (size_t j = 0; j < nf; j++) {
				size_t len = next_rand() % 12, k = 0;
				for (size_t c = 0; c < len; c++)
					fields[i][j][k++] = alphabet[next_rand() % (sizeof alphabet - 1)];
				fields[i][j][k] = '\0';
				/* keep whole UTF-8 sequences out of the picture: bytes are bytes here */
				if (j)
					buf_add(&file, ",", 1);
				csv_write_field(&file, fields[i][j], k);
			}
			/* a lone empty field would read back as a blank line */
			if (nf == 1 && fields[i][0][0] == '\0')
				buf_adds(&file, "\"\"");
			buf_add(&file, "\r\n", 2);
		}
		struct csv_reader r;
		struct csv_record rec;
		csv_open(&r, file.ptr, file.len);
		for (size_t i = 0; i < nrec; i++) {
			assert_int_equal(csv_next(&r, &rec), 1);
			assert_false(rec.quote_error);
			assert_int_equal(rec.n, nf);
			for (size_t j = 0; j < nf; j++) {
				if (rec.field[j].len != strlen(fields[i][j]) ||
				    memcmp(rec.field[j].ptr, fields[i][j], rec.field[j].len) != 0)
					fail_msg("round %d record %zu field %zu: [%s] read as [%s]", round, i, j,
						 fields[i][j], rec.field[j].ptr);
			}
		}
		assert_int_equal(csv_next(&r, &rec), 0);
		csv_close(&r);
		buf_free(&file);
	}
}

static void test_random_bytes_never_break_the_reader(void **state)
{
	(void)state;
	static const char bytes[] = {'"', ',', '\r', '\n', 'a', '\0', (char)0xEF, (char)0xBB, (char)0xBF, (char)0xFF};
	for (int round = 0; round < 2000; round++) {
		char in[200];
		size_t len = next_rand() % sizeof in;
		for (size_t i = 0; i < len; i++)
			in[i] = bytes[next_rand() % sizeof bytes];
		struct csv_reader r;
		struct csv_record rec;
		csv_open(&r, in, len);
		size_t total = 0, records = 0;
		while (csv_next(&r, &rec)) {
			assert_true(rec.n >= 1 && rec.n <= CSV_MAX_FIELDS);
			for (size_t i = 0; i < rec.n; i++)
				total += rec.field[i].len;
			assert_true(++records <= len + 1);
		}
		assert_true(total <= len);
		csv_close(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_records_and_line_ends),
	    cmocka_unit_test(test_quoted_fields),
	    cmocka_unit_test(test_broken_quotes_are_flagged_and_reading_goes_on),
	    cmocka_unit_test(test_line_numbers_follow_embedded_newlines),
	    cmocka_unit_test(test_too_many_fields_are_capped),
	    cmocka_unit_test(test_writer_quotes_only_when_needed),
	    cmocka_unit_test(test_random_fields_round_trip),
	    cmocka_unit_test(test_random_bytes_never_break_the_reader),
	};
	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
