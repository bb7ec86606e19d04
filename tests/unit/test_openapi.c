/* test_openapi: the embedded docs/openapi.json and the route table agree,
 * both ways — every route is an operation with the same x-permission, and
 * every operation is a route. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/perm.h"
#include "http/http.h"
#include "store/store.h"

static const char *const methods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
#define NMETHODS (sizeof methods / sizeof methods[0])

/* Parsed once and freed by main, so that a failing assertion (which
 * longjmps out of the test) leaks nothing. */
static json_t *doc_cache;
static json_t *seen_ids;

/* The embedded document, parsed; fails the test when absent or broken.
 * Borrowed. */
static json_t *load(void)
{
	if (doc_cache)
		return doc_cache;
	const struct embedded_file *f = embedded_find("docs/openapi.json");
	if (!f)
		fail_msg("docs/openapi.json is not embedded");
	json_error_t je;
	json_t *doc = json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		fail_msg("docs/openapi.json line %d: %s", je.line, je.text);
	doc_cache = doc;
	return doc;
}

static void lower(const char *in, char *out, size_t size)
{
	size_t i = 0;
	for (; in[i] && i + 1 < size; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	out[i] = '\0';
}

static json_t *operation(json_t *doc, const char *method, const char *path)
{
	char m[16];
	lower(method, m, sizeof m);
	return json_object_get(json_object_get(json_object_get(doc, "paths"), path), m);
}

static void test_document_is_openapi_3_1(void **state)
{
	(void)state;
	json_t *doc = load();
	assert_true(json_is_object(doc));
	const char *v = json_string_value(json_object_get(doc, "openapi"));
	assert_non_null(v);
	assert_int_equal(strncmp(v, "3.1", 3), 0);
	json_t *info = json_object_get(doc, "info");
	assert_string_equal(json_string_value(json_object_get(info, "title")), "kanal");
	assert_string_equal(json_string_value(json_object_get(info, "version")), KANAL_VERSION);
	assert_true(json_is_object(json_object_get(doc, "paths")));
	json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	const char *need[] = {"User", "Workspace", "Member", "Token", "AuditEntry", "Problem"};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		assert_true(json_is_object(json_object_get(schemas, need[i])));
}

static void test_every_route_is_an_operation_with_its_permission(void **state)
{
	(void)state;
	json_t *doc = load();
	int bad = 0;
	assert_true(http_nroutes > 0);
	for (size_t i = 0; i < http_nroutes; i++) {
		const struct route *rt = &http_routes[i];
		json_t *op = operation(doc, rt->method, rt->pattern);
		if (!json_is_object(op)) {
			print_error("route %s %s is not in openapi.json\n", rt->method, rt->pattern);
			bad++;
			continue;
		}
		const char *xp = json_string_value(json_object_get(op, "x-permission"));
		if (!xp || strcmp(xp, perm_name(rt->perm)) != 0) {
			print_error("%s %s: x-permission %s, route table %s\n", rt->method, rt->pattern,
				    xp ? xp : "(none)", perm_name(rt->perm));
			bad++;
		}
		const char *sum = json_string_value(json_object_get(op, "summary"));
		if (!sum || strcmp(sum, rt->summary) != 0) {
			print_error("%s %s: summary \"%s\", route table \"%s\"\n", rt->method, rt->pattern,
				    sum ? sum : "(none)", rt->summary);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static int is_route(const char *method, const char *path)
{
	for (size_t i = 0; i < http_nroutes; i++) {
		char m[16];
		lower(http_routes[i].method, m, sizeof m);
		if (strcmp(m, method) == 0 && strcmp(http_routes[i].pattern, path) == 0)
			return 1;
	}
	return 0;
}

static void test_every_operation_is_a_route(void **state)
{
	(void)state;
	json_t *doc = load();
	const char *path;
	json_t *item;
	size_t nops = 0;
	int bad = 0;
	json_object_foreach(json_object_get(doc, "paths"), path, item)
	{
		for (size_t k = 0; k < NMETHODS; k++) {
			if (!json_object_get(item, methods[k]))
				continue;
			nops++;
			if (!is_route(methods[k], path)) {
				print_error("operation %s %s has no route\n", methods[k], path);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(nops, http_nroutes);
}

static void test_operations_are_complete(void **state)
{
	(void)state;
	json_t *doc = load();
	json_decref(seen_ids);
	json_t *seen = seen_ids = json_object();
	for (size_t i = 0; i < http_nroutes; i++) {
		const struct route *rt = &http_routes[i];
		json_t *op = operation(doc, rt->method, rt->pattern);
		assert_non_null(op);
		const char *id = json_string_value(json_object_get(op, "operationId"));
		assert_non_null(id);
		/* operationIds are unique */
		assert_null(json_object_get(seen, id));
		json_object_set_new(seen, id, json_true());
		json_t *resp = json_object_get(op, "responses");
		assert_true(json_is_object(resp));
		assert_true(json_object_size(resp) > 0);
		json_t *sec = json_object_get(op, "security");
		assert_true(json_is_array(sec));
		if (rt->perm == PERM_PUBLIC)
			assert_int_equal(json_array_size(sec), 0);
		else
			assert_true(json_array_size(sec) > 0);
		/* every {param} of the pattern is a declared path parameter */
		size_t nparams = 0;
		for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{'))
			nparams++;
		json_t *params = json_object_get(op, "parameters");
		size_t declared = 0, k;
		json_t *pv;
		json_array_foreach(params, k, pv)
		{
			const char *ref = json_string_value(json_object_get(pv, "$ref"));
			if (ref && strncmp(ref, "#/components/parameters/", 24) == 0)
				pv = json_object_get(json_object_get(json_object_get(doc, "components"), "parameters"),
						     ref + 24);
			assert_non_null(pv);
			const char *in = json_string_value(json_object_get(pv, "in"));
			if (in && strcmp(in, "path") == 0) {
				char want[32];
				snprintf(want, sizeof want, "{%s}", json_string_value(json_object_get(pv, "name")));
				assert_non_null(strstr(rt->pattern, want));
				assert_true(json_is_true(json_object_get(pv, "required")));
				declared++;
			}
		}
		assert_int_equal(declared, nparams);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_document_is_openapi_3_1),
	    cmocka_unit_test(test_every_route_is_an_operation_with_its_permission),
	    cmocka_unit_test(test_every_operation_is_a_route),
	    cmocka_unit_test(test_operations_are_complete),
	};
	int failed = cmocka_run_group_tests_name("openapi", tests, NULL, NULL);
	json_decref(seen_ids);
	json_decref(doc_cache);
	return failed;
}
