/* cmd_serve: serve, worker, demo, migrate, backup and version, plus helpers
 * shared by the commands. */
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/keyfile.h"
#include "base/log.h"
#include "base/time.h"
#include "cli/cli.h"
#include "core/core.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "media/media.h"
#include "net/http_client.h"

int cli_wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int cli_open_store(const struct config *cfg, struct store **st, struct err *e)
{
	int rc = store_open(cfg->db, st, e);
	if (rc)
		return rc;
	int applied = 0;
	if ((rc = (*st)->ops->migrate(*st, &applied, e))) {
		store_close(*st);
		*st = NULL;
	}
	return rc;
}

int cli_read_secret(char *out, size_t size, struct err *e)
{
	if (!fgets(out, (int)size, stdin))
		return err_set(e, ERR_INVALID, "cli.password", "", "expected a password on standard input");
	size_t n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

void cli_key_path(const struct config *cfg, char *out, size_t size)
{
	if (store_is_pg(cfg->db)) {
		snprintf(out, size, "%s/kanal.key", cfg->data_dir);
		return;
	}
	char dbcopy[1024];
	str_copy(dbcopy, cfg->db, sizeof dbcopy);
	snprintf(out, size, "%s/kanal.key", dirname(dbcopy));
}

/* KANAL_SECRET_KEYS_OLD: keys (comma or space separated) that only open. */
static int add_env_old_keys(int *n, struct err *e)
{
	const char *v = getenv("KANAL_SECRET_KEYS_OLD");
	*n = 0;
	if (!v)
		return 0;
	char hex[65];
	for (const char *p = v; *p;) {
		size_t len = strcspn(p, ", \t\n");
		if (len) {
			if (len != 64)
				return err_set(e, ERR_INVALID, "config.secret_keys_old", "",
					       "KANAL_SECRET_KEYS_OLD holds keys of 64 hex characters, comma separated");
			memcpy(hex, p, 64);
			hex[64] = '\0';
			int bad = crypto_add_old_key(hex);
			crypto_random(hex, sizeof hex);
			if (bad)
				return err_set(e, ERR_INVALID, "config.secret_keys_old", "",
					       "KANAL_SECRET_KEYS_OLD holds a malformed key (or more than 15)");
			(*n)++;
		}
		p += len;
		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
			p++;
	}
	return 0;
}

int cli_load_keys(struct config *cfg, int create, struct cli_keys *out, struct err *e)
{
	struct cli_keys dummy;
	if (!out)
		out = &dummy;
	memset(out, 0, sizeof *out);
	cli_key_path(cfg, out->path, sizeof out->path);
	if (cfg->secret_key[0]) {
		out->from_env = 1;
		if (crypto_set_master_key(cfg->secret_key))
			return err_set(e, ERR_INVALID, "config.secret_key", "", "KANAL_SECRET_KEY must be 64 hex characters");
		return add_env_old_keys(&out->old_env, e);
	}
	int rc = keyfile_read(out->path, &out->kf, e);
	if (rc == ERR_NOTFOUND && create) {
		unsigned char raw[32];
		out->kf.n = 1;
		out->kf.k[0].id = 1;
		crypto_random(raw, sizeof raw);
		crypto_hex(raw, sizeof raw, out->kf.k[0].hex);
		crypto_random(raw, sizeof raw);
		if ((rc = keyfile_write(out->path, &out->kf, NULL, e)))
			return rc;
		log_info("made a new secret key in %s", out->path);
	} else if (rc) {
		return rc;
	}
	out->have_file = 1;
	if (crypto_set_master_key(keyfile_current(&out->kf)->hex))
		return err_set(e, ERR_INVALID, "config.secret_key", "", "%s holds a malformed key", out->path);
	for (int i = 0; i < out->kf.n - 1; i++)
		if (crypto_add_old_key(out->kf.k[i].hex))
			return err_set(e, ERR_INVALID, "config.secret_key", "", "%s holds a malformed key", out->path);
	return 0;
}

static int load_keys(struct config *cfg, struct err *e)
{
	struct cli_keys k;
	int rc = cli_load_keys(cfg, 1, &k, e);
	keyfile_wipe(&k.kf);
	return rc;
}

/* SIGINT and SIGTERM go to the main thread's sigwait: blocked here,
 * before any thread starts, so that every thread inherits the mask. */
static void block_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Outbound HTTP (before any thread), then, when workers are wanted, the
 * publishing scheduler and workers. */
static int start_engine(const struct config *cfg, struct err *e)
{
	if (http_client_init())
		return err_set(e, ERR_INTERNAL, "net.init", "", "cannot initialise libcurl");
	oauth2_configure(&cfg->oauth);
	struct jobs_config jc = {.dsn = cfg->db,
				 .worker_threads = cfg->workers,
				 .public_url = cfg->public_url[0] ? cfg->public_url : NULL};
	int rc = cfg->workers > 0 ? jobs_start(&jc, e) : 0;
	if (rc)
		http_client_cleanup();
	return rc;
}

/* After every thread that may make a request has stopped. */
static void stop_engine(void)
{
	jobs_stop();
	http_client_cleanup();
}

static int serve(struct config *cfg, int argc, char **argv, struct err *e)
{
	for (int i = 0; i < argc; i++) {
		const char *key = NULL;
		if (strcmp(argv[i], "--no-workers") == 0) {
			cfg->workers = 0;
			continue;
		}
		if (strcmp(argv[i], "--listen") == 0)
			key = "listen";
		else if (strcmp(argv[i], "--threads") == 0)
			key = "threads";
		else if (strcmp(argv[i], "--public-url") == 0)
			key = "public_url";
		else if (strcmp(argv[i], "--web-dir") == 0)
			key = "web_dir";
		else if (strcmp(argv[i], "--no-serve") == 0)
			continue;
		if (!key || i + 1 >= argc)
			return CLI_USAGE;
		int rc = config_set(cfg, key, argv[++i], e);
		if (rc)
			return rc;
	}
	int64_t t0 = time_mono_ns();
	struct store *st;
	int rc = cli_open_store(cfg, &st, e);
	if (rc)
		return rc;
	struct store_val now = SV_I(time_now_ms());
	store_exec(st, Q_SESSION_PURGE, &now, 1, NULL, NULL, NULL);
	store_close(st);
	if ((rc = load_keys(cfg, e)))
		return rc;
	struct http_config hc = {
		.dsn = cfg->db,
		.listen = cfg->listen,
		.public_url = cfg->public_url[0] ? cfg->public_url : NULL,
		.web_dir = cfg->web_dir[0] ? cfg->web_dir : NULL,
		.threads = cfg->threads,
	};
	sigset_t set;
	block_stop_signals(&set);
	if ((rc = start_engine(cfg, e)))
		return rc;
	char shown[1024];
	store_dsn_safe(cfg->db, shown, sizeof shown);
	log_info("kanal %s ready in %.1f ms (database %s)", KANAL_VERSION, (double)(time_mono_ns() - t0) / 1e6, shown);
	rc = http_serve(&hc, e);
	stop_engine();
	return rc;
}

/* `kanal worker`: the publishing engine without the HTTP server, for
 * scale-out beside `kanal serve --no-workers`. */
int cmd_worker(struct config *cfg, int argc, char **argv, struct err *e)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			int rc = config_set(cfg, "workers", argv[++i], e);
			if (rc)
				return rc;
		} else {
			return CLI_USAGE;
		}
	}
	if (cfg->workers < 1)
		cfg->workers = 1;
	struct store *st;
	int rc = cli_open_store(cfg, &st, e);
	if (rc)
		return rc;
	store_close(st);
	if ((rc = load_keys(cfg, e)))
		return rc;
	sigset_t set;
	block_stop_signals(&set);
	if ((rc = start_engine(cfg, e)))
		return rc;
	fprintf(stderr, "kanal: publishing worker running (%d threads)\n", cfg->workers);
	int sig = 0;
	sigwait(&set, &sig);
	log_info("signal %d: stopping", sig);
	stop_engine();
	return 0;
}

int cmd_serve(struct config *cfg, int argc, char **argv, struct err *e)
{
	return serve(cfg, argc, argv, e);
}

int cmd_demo(struct config *cfg, int argc, char **argv, struct err *e)
{
	int no_serve = 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--no-serve") == 0)
			no_serve = 1;
	struct store *st;
	int rc = cli_open_store(cfg, &st, e);
	if (rc)
		return rc;
	int created = 0;
	rc = demo_create(st, &created, e);
	store_close(st);
	if (rc)
		return rc;
	char shown[1024];
	store_dsn_safe(cfg->db, shown, sizeof shown);
	printf("%s the demo world in %s: agency Studio Drita, clients Hotel Guri i Kuq and Furra e Lagjes.\n",
	       created ? "Created" : "Found", shown);
	if (no_serve)
		return 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			config_set(cfg, "listen", argv[i + 1], NULL);
	printf("\n  Open   http://%s/\n  Sign in as elira@studiodrita.al (owner), password %s\n"
	       "  Other people: arben@, mira@, dritan@, sokol@, besa@, luan@studiodrita.al and ana@gurikuq.al\n\n",
	       cfg->listen, DEMO_PASSWORD);
	fflush(stdout);
	return serve(cfg, argc, argv, e);
}

int cmd_migrate(struct config *cfg, int argc, char **argv, struct err *e)
{
	(void)argv;
	if (argc)
		return CLI_USAGE;
	struct store *st;
	int rc = store_open(cfg->db, &st, e);
	if (rc)
		return rc;
	int applied = 0;
	rc = st->ops->migrate(st, &applied, e);
	store_close(st);
	char shown[1024];
	store_dsn_safe(cfg->db, shown, sizeof shown);
	if (!rc)
		printf("%d migration(s) applied to %s\n", applied, shown);
	return rc;
}

int cmd_backup(struct config *cfg, int argc, char **argv, struct err *e)
{
	if (argc != 1)
		return CLI_USAGE;
	struct store *st;
	int rc = cli_open_store(cfg, &st, e);
	if (rc)
		return rc;
	rc = st->ops->backup(st, argv[0], e);
	store_close(st);
	if (rc)
		return rc;
	/* The media files the database refers to, beside the copy: after the
	 * database, so that every file a row of the copy names is there (files
	 * added meanwhile are harmless extras). */
	char from[MEDIA_PATH_MAX], to[MEDIA_PATH_MAX];
	media_root(cfg->db, from, sizeof from);
	media_root(argv[0], to, sizeof to);
	long n = 0;
	if (strcmp(from, to) != 0 && (rc = media_blob_copy_all(from, to, &n, e)))
		return rc;
	char shown[1024];
	store_dsn_safe(cfg->db, shown, sizeof shown);
	printf("backed up %s to %s (%ld media file(s) to %s)\n", shown, argv[0], n, to);
	return 0;
}

int cmd_version(struct config *cfg, int argc, char **argv, struct err *e)
{
	(void)cfg;
	(void)argc;
	(void)argv;
	(void)e;
	printf("kanal %s\n", KANAL_VERSION);
	return 0;
}
