/* metrics: request counters and latency histograms per route, rendered in
 * the Prometheus text format. Lock-free (relaxed atomics). */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/time.h"
#include "http/http.h"

#define MAX_ROUTES 256
#define CLASSES 6 /* 1xx..5xx, index by status/100 */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NB (sizeof bounds / sizeof bounds[0])

/* Slot MAX_ROUTES collects requests that matched no route (UI, 404s). */
static _Atomic unsigned long long counts[MAX_ROUTES + 1][CLASSES];
static _Atomic unsigned long long buckets[MAX_ROUTES + 1][NB + 1];
static _Atomic unsigned long long sum_ns[MAX_ROUTES + 1];
static int64_t started_ms;

static size_t slot(const struct route *rt)
{
	if (!rt)
		return MAX_ROUTES;
	size_t i = (size_t)(rt - http_routes);
	return i < http_nroutes && i < MAX_ROUTES ? i : MAX_ROUTES;
}

void metrics_observe(const struct route *rt, int status, int64_t ns)
{
	size_t s = slot(rt);
	int c = status / 100;
	if (c < 1 || c >= CLASSES)
		c = 5;
	atomic_fetch_add_explicit(&counts[s][c], 1, memory_order_relaxed);
	double secs = (double)ns / 1e9;
	size_t b = 0;
	while (b < NB && secs > bounds[b])
		b++;
	atomic_fetch_add_explicit(&buckets[s][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_ns[s], (unsigned long long)(ns > 0 ? ns : 0), memory_order_relaxed);
	if (!started_ms)
		started_ms = time_now_ms();
}

static void label(struct buf *out, size_t s)
{
	if (s == MAX_ROUTES)
		buf_adds(out, "method=\"\",route=\"other\"");
	else
		buf_addf(out, "method=\"%s\",route=\"%s\"", http_routes[s].method, http_routes[s].pattern);
}

void metrics_render(struct buf *out)
{
	buf_adds(out, "# HELP kanal_http_requests_total HTTP requests answered, by route and status class.\n"
		      "# TYPE kanal_http_requests_total counter\n");
	for (size_t s = 0; s <= MAX_ROUTES; s++) {
		if (s < MAX_ROUTES && s >= http_nroutes)
			continue;
		for (int c = 1; c < CLASSES; c++) {
			unsigned long long n = atomic_load_explicit(&counts[s][c], memory_order_relaxed);
			if (!n)
				continue;
			buf_adds(out, "kanal_http_requests_total{");
			label(out, s);
			buf_addf(out, ",code=\"%dxx\"} %llu\n", c, n);
		}
	}
	buf_adds(out, "# HELP kanal_http_request_duration_seconds Time to answer, by route.\n"
		      "# TYPE kanal_http_request_duration_seconds histogram\n");
	for (size_t s = 0; s <= MAX_ROUTES; s++) {
		if (s < MAX_ROUTES && s >= http_nroutes)
			continue;
		unsigned long long cum = 0, total = 0;
		for (size_t b = 0; b <= NB; b++)
			total += atomic_load_explicit(&buckets[s][b], memory_order_relaxed);
		if (!total)
			continue;
		for (size_t b = 0; b <= NB; b++) {
			cum += atomic_load_explicit(&buckets[s][b], memory_order_relaxed);
			buf_adds(out, "kanal_http_request_duration_seconds_bucket{");
			label(out, s);
			if (b < NB)
				buf_addf(out, ",le=\"%g\"} %llu\n", bounds[b], cum);
			else
				buf_addf(out, ",le=\"+Inf\"} %llu\n", cum);
		}
		buf_adds(out, "kanal_http_request_duration_seconds_sum{");
		label(out, s);
		buf_addf(out, "} %.6f\n", (double)atomic_load_explicit(&sum_ns[s], memory_order_relaxed) / 1e9);
		buf_adds(out, "kanal_http_request_duration_seconds_count{");
		label(out, s);
		buf_addf(out, "} %llu\n", total);
	}
	buf_addf(out, "# HELP kanal_up 1 while the server runs.\n# TYPE kanal_up gauge\nkanal_up 1\n");
	buf_addf(out, "# HELP kanal_build_info Version of the running binary.\n# TYPE kanal_build_info gauge\n"
		      "kanal_build_info{version=\"%s\"} 1\n", KANAL_VERSION);
}
