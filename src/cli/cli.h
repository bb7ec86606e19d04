/* cli: the command table's types and the configuration every command
 * reads (flags > environment > config file > defaults). */
#ifndef KANAL_CLI_H
#define KANAL_CLI_H

#include "base/err.h"
#include "store/store.h"

#define CLI_USAGE 2 /* returned after printing usage: exit status 2 */

struct config {
	char db[1024];
	char listen[128];
	char secret_key[129];
	char log_level[16];
	char public_url[512];
	char web_dir[1024];
	char config_file[1024];
	unsigned threads;
	int workers; /* publishing worker threads in serve; 0 runs no publishing engine */
};

/* Fill cfg from defaults, the config file (explicit path or ./kanal.conf),
 * then the environment. Flags are applied by the caller afterwards. */
int config_load(struct config *cfg, const char *explicit_file, struct err *e);
/* Apply one "key = value" setting; ERR_INVALID for unknown keys. */
int config_set(struct config *cfg, const char *key, const char *value, struct err *e);

struct command {
	const char *name;
	int (*run)(struct config *cfg, int argc, char **argv, struct err *e);
	const char *usage;   /* one line: arguments */
	const char *help;    /* what it does */
};

/* Open the configured store and apply migrations. */
int cli_open_store(const struct config *cfg, struct store **st, struct err *e);
/* 1 when argv has --help / -h. */
int cli_wants_help(int argc, char **argv);
/* Print a command's usage to stdout. */
void cli_usage(const char *name);
/* Read one line (a password) from stdin, without the newline. */
int cli_read_secret(char *out, size_t size, struct err *e);

int cmd_serve(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_worker(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_demo(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_migrate(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_user(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_workspace(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_member(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_token(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_backup(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_text(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_version(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_post(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_calendar(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_import(struct config *cfg, int argc, char **argv, struct err *e);

extern const struct command cli_commands[];
extern const size_t cli_ncommands;

#endif
