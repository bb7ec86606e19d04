/* routes: the one route table — method, pattern, handler, permission. A
 * test walks it with every role and a foreign workspace, and checks it
 * against the OpenAPI document. */
#include "http/http.h"

const struct route http_routes[] = {
	{"GET", "/healthz", api_health, PERM_PUBLIC, "Liveness and readiness"},
	{"GET", "/metrics", api_metrics, PERM_PUBLIC, "Prometheus metrics"},
	{"GET", "/api/v1/openapi.json", api_openapi, PERM_PUBLIC, "This API's OpenAPI 3.1 description"},
	{"POST", "/api/v1/auth/login", api_login, PERM_PUBLIC, "Sign in; sets the session cookie"},
	{"POST", "/api/v1/auth/logout", api_logout, PERM_SESSION, "Sign out; ends the session"},
	{"GET", "/api/v1/me", api_me, PERM_SESSION, "The signed-in user, their workspaces and CSRF token"},
	{"PATCH", "/api/v1/me", api_me_update, PERM_SESSION, "Change your name or language"},
	{"PUT", "/api/v1/me/password", api_me_password, PERM_SESSION, "Change your password"},
	{"GET", "/api/v1/roles", api_roles, PERM_AUTH, "Roles, permissions and the matrix"},
	{"GET", "/api/v1/workspaces", api_workspaces_list, PERM_SESSION, "Your workspaces"},
	{"POST", "/api/v1/workspaces", api_workspaces_create, PERM_SESSION, "Create a workspace; you become owner"},
	{"GET", "/api/v1/workspaces/{ws}", api_workspace_get, PERM_WS_READ, "A workspace and your role in it"},
	{"PATCH", "/api/v1/workspaces/{ws}", api_workspace_update, PERM_WS_ADMIN, "Change workspace settings"},
	{"GET", "/api/v1/workspaces/{ws}/members", api_members_list, PERM_WS_READ, "Members and roles"},
	{"POST", "/api/v1/workspaces/{ws}/members", api_members_add, PERM_WS_ADMIN, "Add a member"},
	{"PATCH", "/api/v1/workspaces/{ws}/members/{user}", api_members_update, PERM_WS_ADMIN, "Change a role"},
	{"DELETE", "/api/v1/workspaces/{ws}/members/{user}", api_members_remove, PERM_WS_ADMIN, "Remove a member"},
	{"GET", "/api/v1/workspaces/{ws}/tokens", api_tokens_list, PERM_WS_ADMIN, "API tokens"},
	{"POST", "/api/v1/workspaces/{ws}/tokens", api_tokens_create, PERM_WS_ADMIN, "Create an API token"},
	{"DELETE", "/api/v1/workspaces/{ws}/tokens/{token}", api_tokens_revoke, PERM_WS_ADMIN, "Revoke an API token"},
	{"GET", "/api/v1/workspaces/{ws}/audit", api_audit_list, PERM_AUDIT_READ, "The audit log"},
};
const size_t http_nroutes = sizeof http_routes / sizeof http_routes[0];
