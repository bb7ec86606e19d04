/* cmd_user: kanal user add | list | passwd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "cli/cli.h"
#include "core/core.h"

static int get_password(int from_stdin, char *pw, size_t size, int *generated, struct err *e)
{
	*generated = 0;
	if (from_stdin)
		return cli_read_secret(pw, size, e);
	crypto_token("", 12, pw, size);
	*generated = 1;
	return 0;
}

int cmd_user(struct config *cfg, int argc, char **argv, struct err *e)
{
	if (argc < 1)
		return CLI_USAGE;
	const char *sub = argv[0], *email = NULL, *name = NULL;
	int from_stdin = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if (argv[i][0] != '-' && !email)
			email = argv[i];
		else
			return CLI_USAGE;
	}
	struct actor a;
	actor_cli(&a);
	struct store *st;
	char pw[1100];
	int generated, rc;
	if (strcmp(sub, "add") == 0) {
		if (!email || !name)
			return CLI_USAGE;
		if ((rc = get_password(from_stdin, pw, sizeof pw, &generated, e)) || (rc = cli_open_store(cfg, &st, e)))
			return rc;
		struct user u;
		rc = user_create(st, &a, email, name, pw, NULL, &u, e);
		store_close(st);
		if (rc)
			return rc;
		printf("added user %lld <%s>\n", (long long)u.id, u.email);
		if (generated)
			printf("password: %s\n", pw);
		return 0;
	}
	if (strcmp(sub, "passwd") == 0) {
		if (!email || name)
			return CLI_USAGE;
		if ((rc = get_password(from_stdin, pw, sizeof pw, &generated, e)) || (rc = cli_open_store(cfg, &st, e)))
			return rc;
		struct user u;
		rc = user_by_email(st, email, &u, e);
		if (!rc)
			rc = user_set_password(st, &a, u.id, pw, e);
		store_close(st);
		if (rc)
			return rc;
		printf("password changed for <%s>; their sessions were ended\n", u.email);
		if (generated)
			printf("password: %s\n", pw);
		return 0;
	}
	if (strcmp(sub, "list") == 0) {
		if (email || name)
			return CLI_USAGE;
		if ((rc = cli_open_store(cfg, &st, e)))
			return rc;
		struct user *us;
		size_t n;
		rc = user_list(st, &us, &n, e);
		store_close(st);
		if (rc)
			return rc;
		printf("%-5s %-32s %-24s %-4s %s\n", "ID", "EMAIL", "NAME", "LANG", "CREATED");
		for (size_t i = 0; i < n; i++) {
			char t[40];
			time_fmt_rfc3339(us[i].created_at, t, sizeof t);
			printf("%-5lld %-32s %-24s %-4s %.10s%s\n", (long long)us[i].id, us[i].email, us[i].name,
			       us[i].language, t, us[i].has_password ? "" : "  (no password)");
		}
		free(us);
		return 0;
	}
	return CLI_USAGE;
}
