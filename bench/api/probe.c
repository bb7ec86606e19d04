/* probe: the small measuring tool behind bench/api/run.
 *
 *   probe start [--log FILE] [--port N] [--path P] [--timeout-ms T] -- CMD [ARG...]
 *       Spawns CMD with its stdout and stderr going to FILE (default
 *       /dev/null) and polls GET P (default /healthz) on 127.0.0.1 as tightly
 *       as it can until the answer is 200. Without --port, the port is read
 *       from the first "listening on http://HOST:PORT" line CMD writes.
 *       Prints "pid=<pid> port=<port> ms=<spawn to first 200, milliseconds>"
 *       and exits 0, leaving CMD running (the caller stops it); on failure
 *       kills CMD, says why on stderr and exits 1.
 *   probe get PORT PATH [HEADER]
 *       One HTTP/1.0 GET on 127.0.0.1:PORT; the body goes to stdout. Exit 0
 *       only when the status is 200.
 *   probe freeport
 *       Prints a loopback TCP port that was free a moment ago.
 *
 * Polling: a refused connect on loopback costs a few microseconds, so the
 * loop sleeps 50 us between attempts; the error of the figure is well under
 * a millisecond. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void pause_us(long us)
{
	struct timespec ts = {0, us * 1000L};
	nanosleep(&ts, NULL);
}

static int parse_port(const char *s)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

/* Connects to 127.0.0.1:port; -1 when refused or on error. */
static int dial(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One GET; the whole answer (head and body) into *out, NUL-terminated.
 * Returns the HTTP status, or -1 when no answer could be read. */
static int http_get(int port, const char *path, const char *header, char **out, size_t *outlen)
{
	char req[4096];
	size_t cap = 65536, len = 0;
	char *buf;
	int fd, n, status = -1;

	n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n%s%sConnection: close\r\n\r\n", path,
		     port, header ? header : "", header ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof req)
		return -1;
	fd = dial(port);
	if (fd < 0)
		return -1;
	if (write_all(fd, req, (size_t)n) < 0) {
		close(fd);
		return -1;
	}
	buf = malloc(cap);
	if (!buf)
		abort();
	for (;;) {
		ssize_t r;
		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (len > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
		status = (int)strtol(buf + 9, NULL, 10); /* "HTTP/1.x NNN" */
	if (out) {
		*out = buf;
		*outlen = len;
	} else {
		free(buf);
	}
	return status;
}

/* Port from the first "listening on http://HOST:PORT" in the log, or -1. */
static int port_from_log(const char *file)
{
	char buf[8192];
	const char *p, *colon;
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "listening on http://");
	if (!p)
		return -1;
	p += strlen("listening on http://");
	if (*p == '[') { /* an IPv6 literal */
		p = strchr(p, ']');
		if (!p)
			return -1;
	}
	colon = strchr(p, ':');
	if (!colon || !strpbrk(colon, "\n/ "))
		return -1; /* the line is not complete yet */
	return parse_port(colon + 1);
}

static int usage(void)
{
	fputs("usage: probe start [--log FILE] [--port N] [--path P] [--timeout-ms T] -- CMD [ARG...]\n"
	      "       probe get PORT PATH [HEADER]\n"
	      "       probe freeport\n",
	      stderr);
	return 2;
}

static int cmd_start(int argc, char **argv)
{
	const char *log = "/dev/null", *path = "/healthz";
	int port = -1, i, status;
	double timeout_ms = 10000, t0, t;
	posix_spawn_file_actions_t fa;
	pid_t pid;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--port") == 0)
			port = parse_port(argv[++i]);
		else if (strcmp(argv[i], "--log") == 0)
			log = argv[++i];
		else if (strcmp(argv[i], "--path") == 0)
			path = argv[++i];
		else if (strcmp(argv[i], "--timeout-ms") == 0)
			timeout_ms = strtod(argv[++i], NULL);
		else
			return usage();
	}
	if (i + 1 >= argc || (port < 0 && strcmp(log, "/dev/null") == 0))
		return usage();
	argv += i + 1;

	/* The child's output must not hold the caller's pipe open: the caller
	 * reads this program's stdout to its end. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	t0 = now_ms();
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		fprintf(stderr, "probe: cannot run %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	posix_spawn_file_actions_destroy(&fa);

	for (;;) {
		t = now_ms();
		if (t - t0 > timeout_ms) {
			fprintf(stderr, "probe: %s gave no 200 on %s within %.0f ms\n", argv[0], path, timeout_ms);
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "probe: %s exited (status %d) before answering\n", argv[0],
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			return 1;
		}
		if (port < 0)
			port = port_from_log(log);
		if (port > 0) {
			int code = http_get(port, path, NULL, NULL, NULL);
			if (code == 200) {
				t = now_ms();
				printf("pid=%d port=%d ms=%.3f\n", (int)pid, port, t - t0);
				return 0;
			}
		}
		pause_us(50);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 1;
}

static int cmd_get(int argc, char **argv)
{
	char *ans, *body;
	size_t len;
	int port, code;

	if (argc < 2 || argc > 3)
		return usage();
	port = parse_port(argv[0]);
	if (port < 0)
		return usage();
	code = http_get(port, argv[1], argc == 3 ? argv[2] : NULL, &ans, &len);
	if (code < 0) {
		fprintf(stderr, "probe: no HTTP answer from 127.0.0.1:%d%s\n", port, argv[1]);
		return 1;
	}
	body = strstr(ans, "\r\n\r\n");
	if (body) {
		body += 4;
		fwrite(body, 1, len - (size_t)(body - ans), stdout);
	}
	if (code != 200) {
		fprintf(stderr, "probe: GET %s answered %d\n", argv[1], code);
		free(ans);
		return 1;
	}
	if (body && memmem(ans, (size_t)(body - ans), "chunked", 7)) {
		fprintf(stderr, "probe: chunked answer to an HTTP/1.0 request\n");
		free(ans);
		return 1;
	}
	free(ans);
	return 0;
}

static int cmd_freeport(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return 1;
	}
	printf("%d\n", ntohs(sa.sin_port));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "start") == 0)
		return cmd_start(argc - 2, argv + 2);
	if (strcmp(argv[1], "get") == 0)
		return cmd_get(argc - 2, argv + 2);
	if (strcmp(argv[1], "freeport") == 0)
		return cmd_freeport();
	return usage();
}
