/* api_system: health (with the publishing engine's), metrics and the
 * OpenAPI description. */
#include <string.h>

#include "http/http.h"
#include "jobs/jobs.h"

/* Healthy unless the publishing engine of this process is stuck: its
 * scheduler has not ticked lately, or a due job waits too long for a
 * worker (posts stuck in the queue must not look healthy). */
int api_health(struct req *r, struct err *e)
{
	(void)e;
	static const char ok[] = "{\"status\":\"ok\"}";
	char code[64], detail[200];
	if (jobs_health(code, sizeof code, detail, sizeof detail) == 0) {
		resp_text(r, 200, "application/json", ok, sizeof ok - 1);
		return 0;
	}
	resp_json(r, 503, json_pack("{ss ss ss}", "status", "unhealthy", "code", code, "detail", detail));
	return 0;
}

int api_metrics(struct req *r, struct err *e)
{
	(void)e;
	struct buf b = BUF_INIT(0);
	metrics_render(&b);
	jobs_metrics_render(&b);
	resp_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf_cstr(&b), b.len);
	buf_free(&b);
	return 0;
}

int api_openapi(struct req *r, struct err *e)
{
	const struct embedded_file *f = embedded_find("docs/openapi.json");
	if (!f)
		return err_set(e, ERR_NOTFOUND, "openapi.missing", "", "this build has no OpenAPI document");
	resp_text(r, 200, "application/json", (const char *)f->data, f->len);
	return 0;
}
