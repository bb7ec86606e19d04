/* cmd_workspace: kanal workspace add | list, and kanal member add | remove. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/core.h"

int cmd_workspace(struct config *cfg, int argc, char **argv, struct err *e)
{
	if (argc < 1)
		return CLI_USAGE;
	const char *name = NULL, *tz = NULL, *lang = "en", *cur = "EUR", *owner = NULL;
	for (int i = 1; i < argc; i++) {
		const char **dst = NULL;
		if (strcmp(argv[i], "--timezone") == 0)
			dst = &tz;
		else if (strcmp(argv[i], "--language") == 0)
			dst = &lang;
		else if (strcmp(argv[i], "--currency") == 0)
			dst = &cur;
		else if (strcmp(argv[i], "--owner") == 0)
			dst = &owner;
		if (dst && i + 1 < argc)
			*dst = argv[++i];
		else if (!dst && argv[i][0] != '-' && !name)
			name = argv[i];
		else
			return CLI_USAGE;
	}
	struct store *st;
	int rc;
	if (strcmp(argv[0], "add") == 0) {
		if (!name || !tz)
			return CLI_USAGE;
		if ((rc = cli_open_store(cfg, &st, e)))
			return rc;
		struct actor a;
		actor_cli(&a);
		int64_t owner_id = 0;
		if (owner) {
			struct user u;
			if ((rc = user_by_email(st, owner, &u, e))) {
				store_close(st);
				return rc;
			}
			owner_id = u.id;
		}
		struct workspace w;
		rc = workspace_create(st, &a, name, tz, lang, cur, owner_id, &w, e);
		store_close(st);
		if (!rc)
			printf("added workspace %lld (%s)\n", (long long)w.id, w.slug);
		return rc;
	}
	if (strcmp(argv[0], "list") == 0) {
		if (name)
			return CLI_USAGE;
		if ((rc = cli_open_store(cfg, &st, e)))
			return rc;
		struct workspace *ws;
		size_t n;
		rc = workspace_list(st, 0, &ws, &n, e);
		store_close(st);
		if (rc)
			return rc;
		printf("%-5s %-28s %-24s %-18s %-4s %s\n", "ID", "NAME", "SLUG", "TIMEZONE", "LANG", "CURRENCY");
		for (size_t i = 0; i < n; i++)
			printf("%-5lld %-28s %-24s %-18s %-4s %s\n", (long long)ws[i].id, ws[i].name, ws[i].slug,
			       ws[i].timezone, ws[i].language, ws[i].currency);
		free(ws);
		return 0;
	}
	return CLI_USAGE;
}

int cmd_member(struct config *cfg, int argc, char **argv, struct err *e)
{
	int add = argc == 4 && strcmp(argv[0], "add") == 0;
	int rem = argc == 3 && strcmp(argv[0], "remove") == 0;
	if (!add && !rem)
		return CLI_USAGE;
	struct store *st;
	int rc = cli_open_store(cfg, &st, e);
	if (rc)
		return rc;
	struct actor a;
	actor_cli(&a);
	struct workspace w;
	struct user u;
	if (!(rc = workspace_find(st, argv[1], &w, e))) {
		if (add) {
			struct member m;
			rc = member_add(st, &a, w.id, argv[2], NULL, argv[3], NULL, &m, e);
			if (!rc)
				printf("%s is now %s in %s\n", m.email, role_name(m.role), w.name);
		} else if (!(rc = user_by_email(st, argv[2], &u, e))) {
			rc = member_remove(st, &a, w.id, u.id, e);
			if (!rc)
				printf("removed %s from %s\n", u.email, w.name);
		}
	}
	store_close(st);
	return rc;
}
