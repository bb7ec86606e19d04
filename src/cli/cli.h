/* cli: the command table's types and the configuration every command
 * reads (flags > environment > config file > defaults). */
#ifndef KANAL_CLI_H
#define KANAL_CLI_H

#include "base/err.h"
#include "base/keyfile.h"
#include "net/oauth2.h"
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
	char data_dir[1024]; /* media files and the key file when db is PostgreSQL (no database file) */
	unsigned threads;
	int workers; /* publishing worker threads in serve; 0 runs no publishing engine */
	struct oauth2_apps oauth; /* the networks' OAuth apps (oauth_<network>_<field>) */
};

/* Fill cfg from defaults, the config file (explicit path or ./kanal.conf),
 * then the environment. Flags are applied by the caller afterwards. */
int config_load(struct config *cfg, const char *explicit_file, struct err *e);
/* Apply one "key = value" setting; ERR_INVALID for unknown keys. */
int config_set(struct config *cfg, const char *key, const char *value, struct err *e);
/* After the flags: a PostgreSQL db needs data_dir (made when missing); the
 * media layer learns it. A SQLite db keeps its files beside itself and
 * ignores data_dir. */
int config_finish(struct config *cfg, struct err *e);

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

/* The master keys, loaded into the crypto key ring: KANAL_SECRET_KEY (the
 * current key) with KANAL_SECRET_KEYS_OLD (keys that only open), or else
 * the key file kanal.key beside the database (made with one key when
 * create and missing). out (may be NULL; wipe out->kf after use) says
 * where they came from. */
struct cli_keys {
	char path[1100];  /* the key file's path */
	int from_env;     /* KANAL_SECRET_KEY (or secret_key in the config) */
	int old_env;      /* keys in KANAL_SECRET_KEYS_OLD */
	int have_file;    /* kf holds the key file */
	struct keyfile kf;
};
int cli_load_keys(struct config *cfg, int create, struct cli_keys *out, struct err *e);
void cli_key_path(const struct config *cfg, char *out, size_t size);

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
int cmd_key(struct config *cfg, int argc, char **argv, struct err *e);
int cmd_import(struct config *cfg, int argc, char **argv, struct err *e);

extern const struct command cli_commands[];
extern const size_t cli_ncommands;

#endif
