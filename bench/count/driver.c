/* bench/count/driver.c: times kanal's text_count() (src/text/text.h) — the
 * C library itself, no JSON, no CLI — over texts already in memory.
 *
 * usage: driver FILE COUNT [ROUNDS [NET...]]
 *
 * FILE is written by bench/count/gen.mjs (per text: a 32-bit little-endian
 * UTF-8 length, then the bytes). The first COUNT texts are read once; each
 * network (all eight, or those named) then counts them all after a short
 * warm-up, ROUNDS times (default 1), the best round kept. One line per
 * network, and with all eight one more for the total:
 *
 *   net=x texts=N seconds=S rate=R length_sum=L valid=V entities=E errors=B
 *   net=all texts=N seconds=S rate=R   (R: texts counted for all 8 per s)
 *
 * length_sum, valid and entities are checksums the run script compares with
 * the reference libraries' (and they keep the calls from being optimised
 * away). errors: texts text_count refused (invalid UTF-8; there are none). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text/text.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sums {
	long long length, valid, entities, errors;
};

static struct sums count_all(enum network net, char *const *text, const size_t *len, size_t n)
{
	struct sums s = {0, 0, 0, 0};
	struct text_count c;
	for (size_t i = 0; i < n; i++) {
		if (text_count(net, text[i], len[i], NULL, &c) != 0) {
			s.errors++;
			continue;
		}
		s.length += c.length;
		s.valid += c.valid != 0;
		s.entities += (long long)c.nentities;
		text_count_free(&c);
	}
	return s;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: driver FILE COUNT [ROUNDS [NET...]]\n");
		return 2;
	}
	char *end;
	unsigned long long want = strtoull(argv[2], &end, 10);
	if (*end || want == 0) {
		fprintf(stderr, "driver: bad COUNT\n");
		return 2;
	}
	long rounds = 1;
	if (argc > 3) {
		rounds = strtol(argv[3], &end, 10);
		if (*end)
			rounds = 0;
	}
	if (rounds < 1) {
		fprintf(stderr, "driver: bad ROUNDS\n");
		return 2;
	}
	int on[NET__COUNT], non = 0;
	for (int k = 0; k < NET__COUNT; k++)
		on[k] = argc <= 4;
	for (int a = 4; a < argc; a++) {
		int k = net_parse(argv[a]);
		if (k < 0) {
			fprintf(stderr, "driver: unknown network %s\n", argv[a]);
			return 2;
		}
		on[k] = 1;
	}
	for (int k = 0; k < NET__COUNT; k++)
		non += on[k];

	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	if (fseek(f, 0, SEEK_END) != 0) {
		perror(argv[1]);
		return 1;
	}
	long size = ftell(f);
	rewind(f);
	char *data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "driver: cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);

	char **text = malloc(want * sizeof *text);
	size_t *len = malloc(want * sizeof *len);
	if (!text || !len) {
		fprintf(stderr, "driver: out of memory\n");
		return 1;
	}
	size_t n = 0, o = 0;
	while (n < want && o + 4 <= (size_t)size) {
		uint32_t l = (uint32_t)(unsigned char)data[o] | (uint32_t)(unsigned char)data[o + 1] << 8 |
			     (uint32_t)(unsigned char)data[o + 2] << 16 | (uint32_t)(unsigned char)data[o + 3] << 24;
		if (o + 4 + l > (size_t)size) {
			fprintf(stderr, "driver: %s is truncated\n", argv[1]);
			return 1;
		}
		text[n] = data + o + 4;
		len[n] = l;
		n++;
		o += 4 + l;
	}
	if (n < want) {
		fprintf(stderr, "driver: %s holds only %zu texts\n", argv[1], n);
		return 1;
	}

	size_t warm = n < 5000 ? n : 5000;
	double best[NET__COUNT];
	struct sums sums[NET__COUNT];
	for (int k = 0; k < NET__COUNT; k++) {
		if (on[k])
			(void)count_all((enum network)k, text, len, warm);
		best[k] = -1;
	}
	for (long r = 0; r < rounds; r++) {
		for (int k = 0; k < NET__COUNT; k++) {
			if (!on[k])
				continue;
			double t0 = now();
			sums[k] = count_all((enum network)k, text, len, n);
			double t = now() - t0;
			if (best[k] < 0 || t < best[k])
				best[k] = t;
		}
	}
	double total = 0;
	for (int k = 0; k < NET__COUNT; k++) {
		if (!on[k])
			continue;
		total += best[k];
		printf("net=%s texts=%zu seconds=%.4f rate=%.0f length_sum=%lld valid=%lld entities=%lld errors=%lld\n",
		       net_name((enum network)k), n, best[k], (double)n / best[k], sums[k].length, sums[k].valid,
		       sums[k].entities, sums[k].errors);
	}
	if (non == NET__COUNT)
		printf("net=all texts=%zu seconds=%.4f rate=%.0f\n", n, total, (double)n / total);
	free(text);
	free(len);
	free(data);
	return 0;
}
