/* sink: the local endpoint bench/publish publishes to. One thread, epoll,
 * HTTP/1.1 keep-alive; every request is answered 200 after a fixed delay
 * (1 ms by default, from a timerfd) without blocking the others, so that
 * the delay is the receiver's latency and not a limit on its throughput.
 *
 * POST /hook...: a publication. Its receipt time is taken when the whole
 * request is in; the idempotency key comes from X-Kanal-Idempotency-Key
 * (or the body's "idempotency_key") and the due time from the body's
 * "scheduled_at" (RFC 3339 with milliseconds). Lateness = receipt - due.
 * GET /load: answered the same way but not recorded (the capacity test).
 * GET /stats: one line of figures over the recorded publications:
 *   received=N unique=N dups=N first_ms=.. last_ms=.. rate=posts/s
 *   p50=ms p99=ms max=ms min=ms bad=N
 * POST /reset: forget everything recorded.
 *
 * usage: sink [--port 0] [--delay-us 1000]; prints "port=N" when ready. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SINK_MAX_CONNS 65536
#define SINK_MAX_REQUEST (256 * 1024)
#define SINK_KEY_MAX 96

struct conn {
	char *in;
	size_t len, cap;
	int waiting;  /* a response is due: no more reads until it is sent */
	unsigned gen; /* which connection on this fd a queued response is for */
};

struct rec {
	int64_t due_ms, recv_us;
};

static struct conn conns[SINK_MAX_CONNS];
static struct rec *recs;
static size_t nrecs, caprecs;
static long bad; /* publications without a key or a due time */
/* keys seen: open addressing, 2^k slots */
static char **keys;
static size_t nkeys, capkeys;
static long dups;

/* responses waiting for their delay: a FIFO (the delay is the same for all) */
struct due {
	int fd;
	unsigned gen;
	int64_t at_us;
	char body[48];
};
static struct due *q;
static size_t qhead, qtail, qcap;
static int64_t delay_us = 1000;
static int tfd, ep;
static long published_ids;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* 1 when the key is new. */
static int key_add(const char *s, size_t n)
{
	if ((nkeys + 1) * 2 > capkeys) {
		size_t nc = capkeys ? capkeys * 2 : 1 << 16;
		char **nk = calloc(nc, sizeof *nk);
		for (size_t i = 0; i < capkeys; i++)
			if (keys[i]) {
				size_t j = hash(keys[i], strlen(keys[i])) & (nc - 1);
				while (nk[j])
					j = (j + 1) & (nc - 1);
				nk[j] = keys[i];
			}
		free(keys);
		keys = nk;
		capkeys = nc;
	}
	size_t j = hash(s, n) & (capkeys - 1);
	while (keys[j]) {
		if (strlen(keys[j]) == n && memcmp(keys[j], s, n) == 0)
			return 0;
		j = (j + 1) & (capkeys - 1);
	}
	keys[j] = strndup(s, n);
	nkeys++;
	return 1;
}

static void reset(void)
{
	for (size_t i = 0; i < capkeys; i++)
		free(keys[i]);
	free(keys);
	keys = NULL;
	nkeys = capkeys = 0;
	nrecs = 0;
	dups = bad = 0;
}

/* RFC 3339 UTC or with an offset, with optional fraction -> ms; -1 when not. */
static int64_t parse_time(const char *s, size_t n)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	char buf[64];
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *p = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	int64_t ms = (int64_t)timegm(&tm) * 1000;
	if (*p == '.') {
		int64_t scale = 100;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += scale ? (*p - '0') * scale : 0;
	}
	if (*p == '+' || *p == '-') {
		int sign = *p == '+' ? 1 : -1, hh = 0, mm = 0;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return -1;
		ms -= sign * (int64_t)(hh * 60 + mm) * 60000;
	} else if (*p != 'Z') {
		return -1;
	}
	return ms;
}

/* The string value of "name" in a compact JSON body (no escapes in the
 * values looked for). */
static const char *json_str(const char *body, size_t len, const char *name, size_t *n)
{
	char pat[64];
	int pl = snprintf(pat, sizeof pat, "\"%s\":\"", name);
	const char *p = memmem(body, len, pat, (size_t)pl);
	if (!p)
		return NULL;
	p += pl;
	const char *end = memchr(p, '"', len - (size_t)(p - body));
	if (!end)
		return NULL;
	*n = (size_t)(end - p);
	return p;
}

static const char *header(const char *head, size_t hlen, const char *name, size_t *n)
{
	size_t nl = strlen(name);
	for (const char *p = head; p < head + hlen;) {
		const char *eol = memmem(p, hlen - (size_t)(p - head), "\r\n", 2);
		if (!eol)
			break;
		if ((size_t)(eol - p) > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			*n = (size_t)(eol - v);
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

static void arm(void)
{
	if (qhead == qtail)
		return;
	int64_t wait = q[qhead].at_us - now_us();
	if (wait < 1)
		wait = 1;
	struct itimerspec it = {.it_value = {.tv_sec = wait / 1000000, .tv_nsec = (wait % 1000000) * 1000}};
	timerfd_settime(tfd, 0, &it, NULL);
}

static void later(int fd, const char *body)
{
	if (qtail == qcap) {
		/* compact, or grow */
		if (qhead > 0) {
			memmove(q, q + qhead, (qtail - qhead) * sizeof *q);
			qtail -= qhead;
			qhead = 0;
		}
		if (qtail == qcap) {
			qcap = qcap ? qcap * 2 : 4096;
			q = realloc(q, qcap * sizeof *q);
		}
	}
	int was_empty = qhead == qtail;
	q[qtail].fd = fd;
	q[qtail].gen = conns[fd].gen;
	q[qtail].at_us = now_us() + delay_us;
	snprintf(q[qtail].body, sizeof q[qtail].body, "%s", body);
	qtail++;
	conns[fd].waiting = 1;
	if (was_empty)
		arm();
}

static void close_conn(int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(conns[fd].in);
	unsigned gen = conns[fd].gen;
	memset(&conns[fd], 0, sizeof conns[fd]);
	conns[fd].gen = gen + 1;
}

static void respond(int fd, int status, const char *body)
{
	char out[512];
	int n = snprintf(out, sizeof out,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", status,
			 status == 200 ? "OK" : "Bad Request", strlen(body), body);
	if (write(fd, out, (size_t)n) != n)
		close_conn(fd);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void stats(char *out, size_t size)
{
	int64_t first = 0, last = 0;
	int64_t *late = malloc((nrecs ? nrecs : 1) * sizeof *late);
	for (size_t i = 0; i < nrecs; i++) {
		late[i] = recs[i].recv_us - recs[i].due_ms * 1000;
		if (i == 0 || recs[i].recv_us < first)
			first = recs[i].recv_us;
		if (recs[i].recv_us > last)
			last = recs[i].recv_us;
	}
	qsort(late, nrecs, sizeof *late, cmp64);
#define PCT(p) (nrecs ? (double)late[(size_t)((double)(nrecs - 1) * (p))] / 1000.0 : 0.0)
	double span = (double)(last - first) / 1e6;
	snprintf(out, size,
		 "received=%zu unique=%zu dups=%ld bad=%ld first_ms=%lld last_ms=%lld rate=%.1f p50=%.1f p99=%.1f "
		 "max=%.1f min=%.1f\n",
		 nrecs, nkeys, dups, bad, (long long)(first / 1000), (long long)(last / 1000),
		 nrecs > 1 && span > 0 ? (double)(nrecs - 1) / span : 0.0, PCT(0.5), PCT(0.99), PCT(1.0), PCT(0.0));
#undef PCT
	free(late);
}

/* One whole request at c->in[0..hlen+blen). */
static void handle(int fd, const char *req, size_t hlen, size_t blen)
{
	const char *body = req + hlen;
	int64_t t = now_us();
	if (strncmp(req, "GET /stats", 10) == 0) {
		char out[400];
		stats(out, sizeof out);
		respond(fd, 200, out);
		return;
	}
	if (strncmp(req, "POST /reset", 11) == 0) {
		reset();
		respond(fd, 200, "{}");
		return;
	}
	if (strncmp(req, "GET /load", 9) == 0) {
		later(fd, "{}");
		return;
	}
	if (strncmp(req, "POST /hook", 10) != 0) {
		respond(fd, 400, "{\"error\":\"unknown path\"}");
		return;
	}
	size_t kn = 0, tn = 0;
	const char *k = header(req, hlen, "X-Kanal-Idempotency-Key", &kn);
	if (!k)
		k = json_str(body, blen, "idempotency_key", &kn);
	const char *when = json_str(body, blen, "scheduled_at", &tn);
	int64_t due = when ? parse_time(when, tn) : -1;
	if (!k || kn == 0 || kn > SINK_KEY_MAX || due < 0) {
		bad++;
		respond(fd, 400, "{\"error\":\"no idempotency key or scheduled_at\"}");
		return;
	}
	if (!key_add(k, kn))
		dups++;
	if (nrecs == caprecs) {
		caprecs = caprecs ? caprecs * 2 : 1 << 17;
		recs = realloc(recs, caprecs * sizeof *recs);
	}
	recs[nrecs].due_ms = due;
	recs[nrecs].recv_us = t;
	nrecs++;
	char id[48];
	snprintf(id, sizeof id, "{\"id\":\"%ld\"}", ++published_ids);
	later(fd, id);
}

/* Reads what is there; handles a whole request when one is in. */
static void on_read(int fd)
{
	struct conn *c = &conns[fd];
	for (;;) {
		if (c->cap - c->len < 4096) {
			c->cap = c->cap ? c->cap * 2 : 8192;
			if (c->cap > SINK_MAX_REQUEST * 2) {
				close_conn(fd);
				return;
			}
			c->in = realloc(c->in, c->cap);
		}
		ssize_t n = read(fd, c->in + c->len, c->cap - c->len - 1);
		if (n == 0) {
			close_conn(fd);
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			close_conn(fd);
			return;
		}
		c->len += (size_t)n;
	}
	while (!c->waiting && c->len) {
		c->in[c->len] = '\0';
		char *end = memmem(c->in, c->len, "\r\n\r\n", 4);
		if (!end)
			return;
		size_t hlen = (size_t)(end - c->in) + 4, cl = 0, vn;
		const char *v = header(c->in, hlen - 2, "Content-Length", &vn);
		if (v)
			cl = strtoul(v, NULL, 10);
		if (cl > SINK_MAX_REQUEST) {
			close_conn(fd);
			return;
		}
		if (c->len < hlen + cl)
			return;
		char save = c->in[hlen + cl];
		c->in[hlen + cl] = '\0';
		handle(fd, c->in, hlen, cl);
		if (!conns[fd].in)
			return; /* closed */
		c->in[hlen + cl] = save;
		memmove(c->in, c->in + hlen + cl, c->len - hlen - cl);
		c->len -= hlen + cl;
	}
}

static void on_timer(void)
{
	uint64_t x;
	if (read(tfd, &x, sizeof x) < 0 && errno != EAGAIN)
		return;
	int64_t now = now_us();
	while (qhead != qtail && q[qhead].at_us <= now) {
		int fd = q[qhead].fd;
		if (conns[fd].waiting && conns[fd].gen == q[qhead].gen) {
			conns[fd].waiting = 0;
			respond(fd, 200, q[qhead].body);
			if (conns[fd].in && conns[fd].len)
				on_read(fd); /* a request that came meanwhile */
		}
		qhead++;
	}
	if (qhead == qtail)
		qhead = qtail = 0;
	arm();
}

int main(int argc, char **argv)
{
	int port = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--delay-us") == 0 && i + 1 < argc)
			delay_us = atoll(argv[++i]);
		else {
			fprintf(stderr, "usage: sink [--port 0] [--delay-us 1000]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096) ||
	    getsockname(ls, (struct sockaddr *)&a, &al)) {
		perror("sink: listen");
		return 1;
	}
	ep = epoll_create1(0);
	tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	printf("port=%d\n", ntohs(a.sin_port));
	fflush(stdout);
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ls) {
				int c;
				while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (c >= SINK_MAX_CONNS) {
						close(c);
						continue;
					}
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
			} else if (fd == tfd) {
				on_timer();
			} else {
				on_read(fd);
			}
		}
	}
}
