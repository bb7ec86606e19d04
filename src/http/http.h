/* http: the request/response model shared by the server, the router and
 * the API handlers. A request owns an arena freed when it completes. */
#ifndef KANAL_HTTP_H
#define KANAL_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/core.h"

#define HTTP_BODY_MAX ((size_t)1 << 20)  /* larger bodies get 413 */
#define HTTP_BODY_DRAIN ((size_t)16 << 20) /* read and drop up to this much, then cut */
#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 16

struct http_config {
	const char *dsn;        /* the database */
	const char *listen;     /* "127.0.0.1:8080"; port 0 picks one */
	const char *public_url; /* "https://social.example.com" or NULL */
	const char *web_dir;    /* serve the UI from here instead of the embedded copy */
	unsigned threads;       /* worker threads; 0 = CPUs */
};

struct route;

struct req {
	struct arena arena;
	void *conn; /* struct MHD_Connection *, for header lookups */
	const char *method;
	const char *path;  /* decoded path, no query */
	const struct route *route;
	int64_t params[HTTP_MAX_PARAMS]; /* numeric {x} segments, in order */
	int nparams;
	const char *key; /* the {key} (or {network}) path segment, when the route has one */
	struct buf body;
	int body_too_large;
	json_t *json; /* the parsed body, owned by the request */
	struct store *st;
	struct actor actor;
	int by_cookie;           /* authenticated by a session cookie */
	struct session session;  /* when by_cookie */
	enum role role;          /* the caller's role in {ws}, when checked */
	char request_id[40];
	int64_t start_ns;
	const struct http_config *cfg;

	/* the response */
	int status;
	const char *content_type;
	struct buf out;
	const char *hdr_name[HTTP_MAX_HEADERS];
	const char *hdr_value[HTTP_MAX_HEADERS];
	int nhdr;
	int cache_static; /* 1: static file caching headers instead of no-store */
	int out_fd;          /* >= 0: answer with this file (owned) instead of out */
	uint64_t out_fd_size;

	/* a streamed upload (route->upload): routed and authorised when the
	 * headers arrived; the body goes to upload->data, never to body */
	const struct upload_ops *upload_ops; /* set when it is one */
	void *upload;          /* the upload's own state */
	struct err upload_err; /* a refusal, answered when the body has been read */
	size_t drained;        /* bytes dropped after a refusal */
};

/* Request accessors. Header and query values are borrowed from the
 * connection; NULL when absent. */
const char *req_header(struct req *r, const char *name);
const char *req_query(struct req *r, const char *name);
const char *req_cookie(struct req *r, const char *name);
/* 1 when origin is this server's own: KANAL_PUBLIC_URL, or http://<Host>. */
int req_origin_ok(struct req *r, const char *origin);
/* The peer's address as text ("127.0.0.1"). */
void req_client_ip(struct req *r, char *out, size_t size);
/* The workspace id from the path ({ws} is always the first parameter). */
static inline int64_t req_ws(const struct req *r)
{
	return r->nparams > 0 ? r->params[0] : 0;
}
/* Parse the body as a JSON object: request.content_type (415), json.* and
 * json.not_object (400). On success r->json is set (owned by r). */
int req_json(struct req *r, struct err *e);

/* Responses. Each sets status and body; the last call wins. */
void resp_json(struct req *r, int status, json_t *v); /* steals v */
void resp_problem(struct req *r, const struct err *e);
void resp_text(struct req *r, int status, const char *type, const char *body, size_t len);
void resp_empty(struct req *r, int status);
void resp_header(struct req *r, const char *name, const char *value); /* value copied */
/* Answer with size bytes of the open file fd; the request takes it (closed
 * when sent or when another response replaces it). */
void resp_file(struct req *r, int status, const char *type, int fd, uint64_t size);

/* Handlers return 0 after filling the response, or a negative error code
 * with e filled (the router turns it into problem+json). */
typedef int (*handler_fn)(struct req *r, struct err *e);

/* A route whose body is streamed instead of gathered in r->body (an
 * upload), listed in http_uploads by its handler. begin runs once the headers are complete and the caller is
 * authenticated and authorised, before any byte of the body is read; data
 * sees each chunk as it arrives. Each returns 0 or an error with e set,
 * after which no more data is passed and the error is the answer (the
 * handler is not called). The handler runs when the body is complete.
 * end runs last, whatever happened (client gone, refused, answered), to
 * release what begin made. */
struct upload_ops {
	int (*begin)(struct req *r, struct err *e);
	int (*data)(struct req *r, const char *p, size_t n, struct err *e);
	void (*end)(struct req *r);
	/* After a refusal by begin or data, up to this many more bytes are
	 * read and dropped so that the client gets its answer (a refusal
	 * before begin drains HTTP_BODY_DRAIN); past it the connection is cut. */
	size_t drain;
};

struct route {
	const char *method;
	const char *pattern; /* "/api/v1/workspaces/{ws}/members/{user}" */
	handler_fn handler;
	enum perm perm;      /* what the caller needs; see core/perm.h */
	const char *summary;
};
extern const struct route http_routes[];
extern const size_t http_nroutes;
struct http_upload {
	handler_fn handler; /* the route's handler, which runs when the body is complete */
	const struct upload_ops *ops;
};
extern const struct http_upload http_uploads[];
extern const size_t http_nuploads;

/* Match method+path; returns the route or NULL with *status 404 or 405 and
 * the allowed methods in allow (when 405). Fills r->params. */
const struct route *router_match(struct req *r, int *status, char *allow, size_t allow_size);
/* Run the whole pipeline for a complete request: route, authenticate,
 * authorise, call the handler; fills the response. */
void router_dispatch(struct req *r);
/* Called once the headers are complete. For a route in http_uploads:
 * route, authenticate and authorise now, then call upload->begin; returns
 * 1 (a refusal is kept in r->upload_err). For any other request returns 0
 * and changes nothing: its body is gathered as usual. */
int router_upload_begin(struct req *r);

/* Static UI files: fills the response and returns 1 when path is one. */
int static_serve(struct req *r);

/* Metrics. */
void metrics_observe(const struct route *rt, int status, int64_t ns);
void metrics_render(struct buf *out);

/* The server. Returns 0 when stopped by SIGINT/SIGTERM, else an error. */
int http_serve(const struct http_config *cfg, struct err *e);

/* API handlers (api_*.c). */
int api_health(struct req *r, struct err *e);
int api_metrics(struct req *r, struct err *e);
int api_openapi(struct req *r, struct err *e);
int api_login(struct req *r, struct err *e);
int api_logout(struct req *r, struct err *e);
int api_me(struct req *r, struct err *e);
int api_me_update(struct req *r, struct err *e);
int api_me_password(struct req *r, struct err *e);
int api_roles(struct req *r, struct err *e);
int api_workspaces_list(struct req *r, struct err *e);
int api_workspaces_create(struct req *r, struct err *e);
int api_workspace_get(struct req *r, struct err *e);
int api_workspace_update(struct req *r, struct err *e);
int api_members_list(struct req *r, struct err *e);
int api_members_add(struct req *r, struct err *e);
int api_members_update(struct req *r, struct err *e);
int api_members_remove(struct req *r, struct err *e);
int api_tokens_list(struct req *r, struct err *e);
int api_tokens_create(struct req *r, struct err *e);
int api_tokens_revoke(struct req *r, struct err *e);
int api_audit_list(struct req *r, struct err *e);
int api_channels_list(struct req *r, struct err *e);
int api_channels_create(struct req *r, struct err *e);
int api_channel_get(struct req *r, struct err *e);
int api_channel_update(struct req *r, struct err *e);
int api_channel_delete(struct req *r, struct err *e);
int api_channel_next_slot(struct req *r, struct err *e);
int api_channel_limits_refresh(struct req *r, struct err *e);
int api_posts_list(struct req *r, struct err *e);
int api_posts_create(struct req *r, struct err *e);
int api_post_get(struct req *r, struct err *e);
int api_post_update(struct req *r, struct err *e);
int api_post_delete(struct req *r, struct err *e);
int api_variant_update(struct req *r, struct err *e);
int api_post_submit(struct req *r, struct err *e);
int api_post_approve(struct req *r, struct err *e);
int api_post_request_changes(struct req *r, struct err *e);
int api_post_schedule(struct req *r, struct err *e);
int api_post_unschedule(struct req *r, struct err *e);
int api_post_cancel(struct req *r, struct err *e);
int api_post_reopen(struct req *r, struct err *e);
int api_post_comment(struct req *r, struct err *e);
int api_calendar(struct req *r, struct err *e);
int api_post_share(struct req *r, struct err *e);
int api_review_get(struct req *r, struct err *e);
int api_review_approve(struct req *r, struct err *e);
int api_review_request_changes(struct req *r, struct err *e);
int api_review_comment(struct req *r, struct err *e);
int api_media_list(struct req *r, struct err *e);
int api_media_upload(struct req *r, struct err *e);
extern const struct upload_ops api_media_upload_ops;
int api_media_get(struct req *r, struct err *e);
int api_media_update(struct req *r, struct err *e);
int api_media_delete(struct req *r, struct err *e);
int api_media_file(struct req *r, struct err *e);
int api_media_rendition(struct req *r, struct err *e);
int api_media_public(struct req *r, struct err *e);
int api_calendar_feed_get(struct req *r, struct err *e);
int api_calendar_feed_rotate(struct req *r, struct err *e);
int api_ical_feed(struct req *r, struct err *e);
int api_posts_import(struct req *r, struct err *e);
int api_posts_export(struct req *r, struct err *e);
int api_channel_account_put(struct req *r, struct err *e);
int api_channel_oauth_start(struct req *r, struct err *e);
int api_oauth_callback(struct req *r, struct err *e);
int api_channel_oauth_refresh(struct req *r, struct err *e);
int api_post_publications(struct req *r, struct err *e);
int api_publications_list(struct req *r, struct err *e);
int api_publication_get(struct req *r, struct err *e);
int api_publication_retry(struct req *r, struct err *e);
int api_publication_mark_published(struct req *r, struct err *e);
int api_publication_cancel(struct req *r, struct err *e);
int api_publishing_get(struct req *r, struct err *e);
int api_publishing_update(struct req *r, struct err *e);
int api_publishing_pause(struct req *r, struct err *e);
int api_publishing_resume(struct req *r, struct err *e);

#endif
