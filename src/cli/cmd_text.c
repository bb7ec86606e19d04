/* cmd_text: kanal text count --network NET [--ndjson] — count texts as a
 * network does, one JSON line each, for scripts and the conformance tests.
 * Needs no database. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "cli/cli.h"
#include "text/text.h"

/* Append s[0..len) as a JSON string (UTF-8 kept as is). */
static void put_json_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	buf_add(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
		size_t n = 2;
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		buf_add(b, esc, n);
	}
	buf_add(b, s + run, len - run);
	buf_add(b, "\"", 1);
}

/* The output: lines gather in b and go to stdout a megabyte at a time. */
struct out {
	struct buf b;
	int failed_io;
};

static void out_flush(struct out *o)
{
	size_t n = o->b.len ? fwrite(o->b.ptr, 1, o->b.len, stdout) : 0;
	if (n != o->b.len)
		o->failed_io = 1;
	buf_reset(&o->b);
}

static void out_maybe_flush(struct out *o)
{
	if (o->b.len >= (size_t)1 << 20)
		out_flush(o);
}

static void put_error(struct buf *b, enum network net, const char *code, const char *msg)
{
	buf_adds(b, "{\"network\":");
	put_json_str(b, net_name(net), strlen(net_name(net)));
	buf_adds(b, ",\"error\":");
	put_json_str(b, code, strlen(code));
	buf_adds(b, ",\"message\":");
	put_json_str(b, msg, strlen(msg));
	buf_adds(b, "}\n");
}

/* Count one text and write its line; 0, or -1 when the text is not UTF-8
 * (or holds a NUL). */
static int count_one(struct out *o, enum network net, const char *s, size_t len)
{
	struct buf *b = &o->b;
	struct text_count c;
	if (text_count(net, s, len, NULL, &c)) {
		put_error(b, net, "text.invalid_utf8", "the text is not valid UTF-8 (or holds a NUL character)");
		return -1;
	}
	buf_adds(b, "{\"network\":");
	put_json_str(b, net_name(net), strlen(net_name(net)));
	buf_addf(b, ",\"length\":%ld,\"limit\":%ld,\"valid\":%s,\"bytes\":%zu,\"graphemes\":%zu,\"entities\":[",
		 c.length, c.limit, c.valid ? "true" : "false", c.bytes, c.graphemes);
	for (size_t i = 0; i < c.nentities; i++) {
		const struct entity *e = &c.entities[i];
		buf_adds(b, i ? ",{\"type\":\"" : "{\"type\":\"");
		buf_adds(b, entity_type_name(e->type));
		buf_adds(b, "\",\"text\":");
		put_json_str(b, s + e->byte_start, e->byte_end - e->byte_start);
		buf_addf(b, ",\"byte_start\":%zu,\"byte_end\":%zu,\"utf16_start\":%zu,\"utf16_end\":%zu}",
			 e->byte_start, e->byte_end, e->utf16_start, e->utf16_end);
		out_maybe_flush(o);
	}
	buf_adds(b, "]}\n");
	text_count_free(&c);
	return 0;
}

/* One line of --ndjson input: {"text": "..."}. Returns 0, or -1 after
 * writing an error line. */
static int count_line(struct out *o, enum network net, const char *line, size_t len)
{
	struct buf *b = &o->b;
	if (!utf8_valid(line, len, NULL)) {
		put_error(b, net, "text.invalid_utf8", "the line is not valid UTF-8");
		return -1;
	}
	json_error_t je;
	json_t *v = json_loadb(line, len, JSON_ALLOW_NUL, &je);
	if (!v) {
		/* jansson refuses "\ud800": an escaped lone surrogate is no text. */
		int surrogate = strstr(je.text, "Unicode") != NULL;
		put_error(b, net, surrogate ? "text.invalid_utf8" : "json.malformed", je.text);
		return -1;
	}
	json_t *t = json_is_object(v) ? json_object_get(v, "text") : NULL;
	int rc = -1;
	if (!json_is_object(v))
		put_error(b, net, "json.malformed", "each line must be an object {\"text\": \"...\"}");
	else if (!t)
		put_error(b, net, "field.required", "the line has no \"text\"");
	else if (!json_is_string(t))
		put_error(b, net, "field.type", "\"text\" must be a string");
	else
		rc = count_one(o, net, json_string_value(t), json_string_length(t));
	json_decref(v);
	return rc;
}

int cmd_text(struct config *cfg, int argc, char **argv, struct err *e)
{
	(void)cfg;
	const char *netname = NULL;
	int ndjson = 0;
	if (argc < 1 || strcmp(argv[0], "count") != 0)
		return CLI_USAGE;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--network") == 0 && i + 1 < argc)
			netname = argv[++i];
		else if (strcmp(argv[i], "--ndjson") == 0)
			ndjson = 1;
		else
			return CLI_USAGE;
	}
	if (!netname)
		return CLI_USAGE;
	int net = net_parse(netname);
	if (net < 0)
		return err_set(
		    e, ERR_INVALID, "text.unknown_network", "network",
		    "unknown network '%s' (x, mastodon, bluesky, threads, instagram, linkedin, facebook, tiktok)",
		    netname);

	struct out o = {BUF_INIT(0), 0};
	size_t failed = 0, total = 0;
	if (!ndjson) {
		struct buf in = BUF_INIT(0);
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
			if (buf_add(&in, chunk, n)) {
				buf_free(&in);
				return err_set(e, ERR_TOOLARGE, "text.too_large", "", "the text is larger than 64 MiB");
			}
		}
		total = 1;
		failed += count_one(&o, (enum network)net, in.ptr ? in.ptr : "", in.len) != 0;
		buf_free(&in);
	} else {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while ((n = getline(&line, &cap, stdin)) >= 0) {
			size_t len = (size_t)n;
			while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				len--;
			size_t k = 0;
			while (k < len && (line[k] == ' ' || line[k] == '\t'))
				k++;
			if (k == len)
				continue; /* blank lines separate nothing */
			total++;
			failed += count_line(&o, (enum network)net, line, len) != 0;
			out_maybe_flush(&o);
		}
		free(line);
	}
	out_flush(&o);
	buf_free(&o.b);
	if (fflush(stdout) || o.failed_io)
		return err_set(e, ERR_IO, "io.write", "", "cannot write the results");
	if (failed)
		return err_set(e, ERR_INVALID, "text.invalid", "", "%zu of %zu texts could not be counted", failed,
			       total);
	return 0;
}
