/* cmd_token: kanal token create | list | revoke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "cli/cli.h"
#include "core/core.h"

int cmd_token(struct config *cfg, int argc, char **argv, struct err *e)
{
	if (argc < 2)
		return CLI_USAGE;
	const char *sub = argv[0], *ws_ref = argv[1], *role = NULL, *name = NULL, *id_arg = NULL;
	long long days = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--expires-days") == 0 && i + 1 < argc) {
			if (str_to_i64(argv[++i], &days))
				return CLI_USAGE;
		} else if (argv[i][0] != '-' && !id_arg)
			id_arg = argv[i];
		else
			return CLI_USAGE;
	}
	int create = strcmp(sub, "create") == 0, list = strcmp(sub, "list") == 0, revoke = strcmp(sub, "revoke") == 0;
	long long id = 0;
	if ((create && (!role || !name || id_arg)) || (list && (role || name || id_arg)) ||
	    (revoke && (!id_arg || str_to_i64(id_arg, &id))) || (!create && !list && !revoke))
		return CLI_USAGE;
	struct store *st;
	int rc = cli_open_store(cfg, &st, e);
	if (rc)
		return rc;
	struct actor a;
	actor_cli(&a);
	struct workspace w;
	if ((rc = workspace_find(st, ws_ref, &w, e)))
		goto done;
	if (create) {
		struct token_info t;
		char secret[64];
		if (!(rc = token_create(st, &a, w.id, name, role, days, &t, secret, e)))
			printf("created token %lld (%s, %s) for %s; it is shown only once:\n%s\n", (long long)t.id, t.name,
			       role_name(t.role), w.name, secret);
	} else if (list) {
		struct token_info *ts;
		size_t n;
		if (!(rc = token_list(st, w.id, &ts, &n, e))) {
			printf("%-5s %-24s %-12s %-18s %-10s %s\n", "ID", "NAME", "PREFIX", "ROLE", "STATE", "CREATED");
			for (size_t i = 0; i < n; i++) {
				char c[40];
				time_fmt_rfc3339(ts[i].created_at, c, sizeof c);
				const char *state = ts[i].revoked_at ? "revoked"
						    : ts[i].expires_at && ts[i].expires_at < time_now_ms() ? "expired"
														: "active";
				printf("%-5lld %-24s %-12s %-18s %-10s %.10s\n", (long long)ts[i].id, ts[i].name, ts[i].prefix,
				       role_name(ts[i].role), state, c);
			}
			free(ts);
		}
	} else {
		if (!(rc = token_revoke(st, &a, w.id, id, e)))
			printf("revoked token %lld\n", id);
	}
done:
	store_close(st);
	return rc;
}
