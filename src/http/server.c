/* server: libmicrohttpd glue — an epoll thread pool, request assembly with
 * body caps, response headers, the access log, and shutdown on signals. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time.h"
#include "http/http.h"
#include "media/media.h"

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
			  "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "
			  "base-uri 'none'; form-action 'self'";

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static void set_request_id(struct req *r)
{
	const char *in = req_header(r, "X-Request-Id");
	if (in && strlen(in) >= 8 && strlen(in) < sizeof r->request_id) {
		int ok = 1;
		for (const char *p = in; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			      *p == '-' || *p == '_'))
				ok = 0;
		if (ok) {
			str_copy(r->request_id, in, sizeof r->request_id);
			return;
		}
	}
	/* A random per-thread prefix and a counter: unique, and no system call
	 * per request. */
	static _Thread_local char prefix[16];
	static _Thread_local unsigned long long counter;
	if (!prefix[0])
		crypto_token("r-", 6, prefix, sizeof prefix);
	snprintf(r->request_id, sizeof r->request_id, "%s-%llx", prefix, ++counter);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct req *r)
{
	struct MHD_Response *resp;
	if (r->out_fd >= 0) {
		/* MHD owns the file from here and closes it. */
		resp = MHD_create_response_from_fd64(r->out_fd_size, r->out_fd);
		if (!resp)
			close(r->out_fd);
		r->out_fd = -1;
	} else {
		resp = MHD_create_response_from_buffer(r->out.len, r->out.ptr ? r->out.ptr : (void *)"",
						       MHD_RESPMEM_MUST_COPY);
	}
	if (!resp)
		return MHD_NO;
	const struct http_config *cfg = r->cfg;
	if (r->content_type)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	if (cfg->public_url && str_starts(cfg->public_url, "https://"))
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
	if (!r->cache_static)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (int i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode the path in place, except that an encoded NUL becomes
 * 0xFF (invalid UTF-8) so that on_request refuses it instead of the path
 * being silently cut at the NUL. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	char *w = s;
	for (const char *p = s; *p; p++) {
		int hi, lo;
		if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
			int v = hi * 16 + lo;
			*w++ = v ? (char)v : (char)0xFF;
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* A path is valid UTF-8 without control characters. */
static int path_ok(const char *p)
{
	size_t n = strlen(p);
	if (!utf8_valid(p, n, NULL))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return p[0] == '/';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	(void)version;
	struct req *r = *con_cls;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		r->cfg = cls;
		r->conn = conn;
		r->start_ns = time_mono_ns();
		r->method = arena_strdup(&r->arena, method);
		r->path = arena_strdup(&r->arena, url);
		r->body.max = HTTP_BODY_MAX;
		r->role = ROLE_NONE;
		r->out_fd = -1;
		set_request_id(r);
		*con_cls = r;
		const char *cl = req_header(r, "Content-Length");
		long long n;
		int big = cl && str_to_i64(cl, &n) == 0 && (size_t)n > HTTP_BODY_DRAIN;
		log_set_request_id(r->request_id);
		int upload = router_upload_begin(r);
		log_set_request_id("");
		if (upload) {
			/* A streamed upload, authorised (or refused) before one byte
			 * of its body is read. A refusal is answered now when the body
			 * is too big to drain or the client waits for 100 Continue
			 * (the connection is then closed); else after the body. */
			const char *expect = req_header(r, "Expect");
			if (r->upload_err.code && (big || (expect && strcasecmp(expect, "100-continue") == 0))) {
				r->body_too_large = 2;
				resp_problem(r, &r->upload_err);
				return send_response(conn, r);
			}
			return MHD_YES;
		}
		if (big) {
			/* Too big to even read: answer now; MHD closes the connection. */
			struct err e;
			err_set(&e, ERR_TOOLARGE, "request.too_large", "", "the body is larger than %zu bytes",
				HTTP_BODY_MAX);
			r->body_too_large = 2;
			resp_problem(r, &e);
			return send_response(conn, r);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (r->body_too_large == 2) {
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (r->upload_ops) {
			size_t n = *upload_data_size;
			*upload_data_size = 0;
			if (!r->upload_err.code) {
				log_set_request_id(r->request_id);
				r->upload_ops->data(r, upload_data, n, &r->upload_err);
				log_set_request_id("");
			} else if ((r->drained += n) > (r->upload ? r->upload_ops->drain : HTTP_BODY_DRAIN)) {
				/* Refused and still sending: libmicrohttpd cannot answer
				 * in the middle of a body, so the connection is cut. */
				return MHD_NO;
			}
			return MHD_YES;
		}
		if (!r->body_too_large && buf_add(&r->body, upload_data, *upload_data_size))
			r->body_too_large = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->body_too_large == 2)
		return MHD_YES;
	log_set_request_id(r->request_id);
	if (!path_ok(r->path)) {
		struct err e;
		err_set(&e, ERR_INVALID, "request.path", "", "the path is not valid UTF-8 or holds control characters");
		resp_problem(r, &e);
		r->path = "(invalid)";
	} else {
		router_dispatch(r);
	}
	enum MHD_Result ret = send_response(conn, r);
	log_set_request_id("");
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	struct req *r = *con_cls;
	if (!r)
		return;
	int64_t ns = time_mono_ns() - r->start_ns;
	metrics_observe(r->route, r->status, ns);
	log_set_request_id(r->request_id);
	if (r->upload_ops && r->upload_ops->end)
		r->upload_ops->end(r);
	log_info("%s %s %d %zuB %.2fms%s", r->method, r->path, r->status,
		 r->out_fd_size ? (size_t)r->out_fd_size : r->out.len, (double)ns / 1e6,
		 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	log_set_request_id("");
	if (r->out_fd >= 0)
		close(r->out_fd);
	json_decref(r->json);
	buf_free(&r->body);
	buf_free(&r->out);
	arena_free(&r->arena);
	free(r);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warn("http: %s", line);
}

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, struct err *e)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	if (!colon)
		return err_set(e, ERR_INVALID, "config.listen", "", "listen must be HOST:PORT, got %s", s);
	long long port;
	if (str_to_i64(colon + 1, &port) || port < 0 || port > 65535)
		return err_set(e, ERR_INVALID, "config.listen", "", "bad port in %s", s);
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof host)
		return err_set(e, ERR_INVALID, "config.listen", "", "bad host in %s", s);
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return err_set(e, ERR_INVALID, "config.listen", "", "bad IPv6 address in %s", s);
		*len = sizeof *a6;
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	if (!host[0] || strcmp(host, "*") == 0)
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(host, "localhost") == 0)
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return err_set(e, ERR_INVALID, "config.listen", "", "bad IPv4 address in %s", s);
	*len = sizeof *a4;
	return 0;
}

int http_serve(const struct http_config *cfg, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int rc = parse_listen(cfg->listen, &ss, &sl, e);
	if (rc)
		return rc;
	unsigned threads = cfg->threads;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 2;
	}
	/* Signals go to the main thread's sigwait, never to a worker. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* libvips is loaded (dlopen) and started on the first upload, from a
	 * worker thread, whose signals are blocked like these; start-up stays
	 * fast and small. */
	char media[MEDIA_PATH_MAX];
	media_root(cfg->dsn, media, sizeof media);
	media_tmp_sweep(media);

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, (void *)cfg, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_STRICT_FOR_CLIENT, 1,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 4096U,
		MHD_OPTION_CONNECTION_TIMEOUT, 30U, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U, MHD_OPTION_END);
	if (!d) {
		int saved = errno;
		media_shutdown();
		return err_set(e, ERR_IO, "http.listen", "", "cannot listen on %s: %s", cfg->listen, strerror(saved));
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : 0;
	char host[INET6_ADDRSTRLEN] = "127.0.0.1";
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
		fprintf(stderr, "kanal: listening on http://[%s]:%u\n", host, port);
	} else {
		struct in_addr a = ((struct sockaddr_in *)&ss)->sin_addr;
		if (a.s_addr != htonl(INADDR_ANY))
			inet_ntop(AF_INET, &a, host, sizeof host);
		fprintf(stderr, "kanal: listening on http://%s:%u\n", host, port);
	}
	int sig = 0;
	sigwait(&set, &sig);
	log_info("signal %d: stopping", sig);
	MHD_stop_daemon(d);
	media_shutdown();
	return 0;
}

void req_client_ip(struct req *r, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	str_copy(out, "unknown", size);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}
