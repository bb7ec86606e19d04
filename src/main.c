/* kanal: one binary, git-style subcommands. argv -> the commands[] table;
 * the only place that turns error codes into exit statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "cli/cli.h"

const struct command cli_commands[] = {
	{"serve", cmd_serve, "[--listen ADDR:PORT] [--threads N] [--public-url URL] [--web-dir DIR] [--no-workers]",
	 "Serve the API, the UI and the publishing workers (--no-workers or KANAL_WORKERS=0: none)."},
	{"worker", cmd_worker, "[--workers N]", "Run only the publishing scheduler and workers (no HTTP)."},
	{"demo", cmd_demo, "[--no-serve] [--listen ADDR:PORT]",
	 "Create the demo agency and its two client brands (once), then serve."},
	{"migrate", cmd_migrate, "", "Apply pending database migrations."},
	{"user", cmd_user, "add EMAIL --name NAME [--password-stdin] | list | passwd EMAIL [--password-stdin]",
	 "Manage people who sign in."},
	{"workspace", cmd_workspace,
	 "add NAME --timezone ZONE [--language en|sq] [--currency CODE] [--owner EMAIL] | list",
	 "Manage workspaces (one per brand or client)."},
	{"member", cmd_member, "add WORKSPACE EMAIL ROLE | remove WORKSPACE EMAIL",
	 "Manage who belongs to a workspace, with which role."},
	{"token", cmd_token, "create WORKSPACE --role ROLE --name NAME [--expires-days N] | list WORKSPACE | revoke WORKSPACE ID",
	 "Manage API tokens for scripts and integrations."},
	{"post", cmd_post,
	 "create --workspace WS --text TEXT [--title T] [--channels NET|ID|...] [--link URL] | "
	 "list --workspace WS [--state S] | show --workspace WS ID | validate --workspace WS ID",
	 "Draft, list, show and check posts (validate exits 1 when a variant has problems)."},
	{"calendar", cmd_calendar, "--workspace WS [--week|--month] [--date YYYY-MM-DD]",
	 "Print the week's or month's posts as a table, in the workspace's time zone."},
	{"import", cmd_import, "posts --workspace WS FILE.csv [--dry-run]",
	 "Import posts from CSV (FILE - reads stdin); nothing is kept unless every row is valid."},
	{"text", cmd_text, "count --network NET [--ndjson]",
	 "Count stdin's text (or ndjson texts) as a network does; one JSON line each."},
	{"key", cmd_key, "rotate [--new-key HEX|-] | status",
	 "Rotate the key that seals account credentials (re-encrypts them all), or show what is sealed under which key."},
	{"backup", cmd_backup, "FILE", "Write a consistent copy of the database to FILE while kanal runs."},
	{"version", cmd_version, "", "Print the version."},
};
const size_t cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];

static void usage(FILE *f)
{
	fprintf(f, "usage: kanal [--db PATH] [--config FILE] [--log-level LEVEL] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < cli_ncommands; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].help);
	fprintf(f, "\nRun 'kanal COMMAND --help' for a command's arguments; see kanal(1).\n");
}

void cli_usage(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			printf("usage: kanal %s %s\n\n%s\n", name, cli_commands[i].usage, cli_commands[i].help);
}

int main(int argc, char **argv)
{
	const char *db = NULL, *conf = NULL, *level = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--db") == 0 || strcmp(a, "--config") == 0 || strcmp(a, "--log-level") == 0) &&
		    i + 1 < argc) {
			const char **dst = a[2] == 'd' ? &db : a[2] == 'c' ? &conf : &level;
			*dst = argv[++i];
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("kanal %s\n", KANAL_VERSION);
			return 0;
		} else {
			fprintf(stderr, "kanal: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const struct command *cmd = NULL;
	for (size_t k = 0; k < cli_ncommands; k++)
		if (strcmp(cli_commands[k].name, argv[i]) == 0)
			cmd = &cli_commands[k];
	if (!cmd) {
		fprintf(stderr, "kanal: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	if (cli_wants_help(argc - i - 1, argv + i + 1)) {
		cli_usage(cmd->name);
		return 0;
	}
	struct err e;
	err_clear(&e);
	struct config cfg;
	int rc = config_load(&cfg, conf, &e);
	if (!rc && db)
		rc = config_set(&cfg, "db", db, &e);
	if (!rc && level)
		rc = config_set(&cfg, "log_level", level, &e);
	if (!rc)
		rc = config_finish(&cfg, &e);
	if (rc) {
		fprintf(stderr, "kanal: %s: %s\n", e.key, e.msg);
		return 1;
	}
	log_set_level((enum log_level)log_parse_level(cfg.log_level));
	if (crypto_init()) {
		fprintf(stderr, "kanal: cannot initialise libsodium\n");
		return 1;
	}
	rc = cmd->run(&cfg, argc - i - 1, argv + i + 1, &e);
	if (rc == CLI_USAGE) {
		cli_usage(cmd->name);
		return 2;
	}
	if (rc) {
		if (!e.code)
			err_set(&e, rc, NULL, "", "%s", err_title(rc));
		fprintf(stderr, "kanal: %s: %s\n", e.key, e.msg);
		return 1;
	}
	return 0;
}
