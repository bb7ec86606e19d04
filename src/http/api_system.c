/* api_system: health, metrics and the OpenAPI description. */
#include <string.h>

#include "http/http.h"

int api_health(struct req *r, struct err *e)
{
	(void)e;
	static const char ok[] = "{\"status\":\"ok\"}";
	resp_text(r, 200, "application/json", ok, sizeof ok - 1);
	return 0;
}

int api_metrics(struct req *r, struct err *e)
{
	(void)e;
	struct buf b = BUF_INIT(0);
	metrics_render(&b);
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
