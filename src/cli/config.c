/* config: defaults, then ./kanal.conf (or --config / KANAL_CONFIG), then
 * KANAL_* environment variables; command-line flags are applied last. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "cli/cli.h"
#include "media/media.h"

static const struct {
	const char *key, *env;
} keys[] = {
	{"db", "KANAL_DB"},
	{"listen", "KANAL_LISTEN"},
	{"secret_key", "KANAL_SECRET_KEY"},
	{"log_level", "KANAL_LOG_LEVEL"},
	{"threads", "KANAL_THREADS"},
	{"public_url", "KANAL_PUBLIC_URL"},
	{"web_dir", "KANAL_WEB_DIR"},
	{"workers", "KANAL_WORKERS"},
	{"data_dir", "KANAL_DATA_DIR"},
};

int config_set(struct config *cfg, const char *key, const char *value, struct err *e)
{
	if (strcmp(key, "db") == 0)
		str_copy(cfg->db, value, sizeof cfg->db);
	else if (strcmp(key, "listen") == 0)
		str_copy(cfg->listen, value, sizeof cfg->listen);
	else if (strcmp(key, "secret_key") == 0)
		str_copy(cfg->secret_key, value, sizeof cfg->secret_key);
	else if (strcmp(key, "log_level") == 0) {
		if (log_parse_level(value) < 0)
			return err_set(e, ERR_INVALID, "config.log_level", key, "log_level must be debug, info, warn or error");
		str_copy(cfg->log_level, value, sizeof cfg->log_level);
	} else if (strcmp(key, "threads") == 0) {
		long long n;
		if (str_to_i64(value, &n) || n < 0 || n > 256)
			return err_set(e, ERR_INVALID, "config.threads", key, "threads must be 0 to 256");
		cfg->threads = (unsigned)n;
	} else if (strcmp(key, "public_url") == 0) {
		if (*value && !str_starts(value, "http://") && !str_starts(value, "https://"))
			return err_set(e, ERR_INVALID, "config.public_url", key, "public_url must start with http:// or https://");
		str_copy(cfg->public_url, value, sizeof cfg->public_url);
	} else if (strcmp(key, "data_dir") == 0) {
		str_copy(cfg->data_dir, value, sizeof cfg->data_dir);
	} else if (strcmp(key, "web_dir") == 0) {
		str_copy(cfg->web_dir, value, sizeof cfg->web_dir);
	} else if (strcmp(key, "workers") == 0) {
		long long n;
		if (str_to_i64(value, &n) || n < 0 || n > 64)
			return err_set(e, ERR_INVALID, "config.workers", key, "workers must be 0 (none) to 64");
		cfg->workers = (int)n;
	}
	else {
		int rc = oauth2_apps_set(&cfg->oauth, key, value, e);
		if (rc != 1)
			return rc;
		return err_set(e, ERR_INVALID, "config.unknown", key, "unknown setting %s", key);
	}
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int load_file(struct config *cfg, const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, ERR_IO, "config.file", path, "cannot read config file %s", path);
	char line[2048];
	int lineno = 0, rc = 0;
	while (!rc && fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = err_set(e, ERR_INVALID, "config.syntax", path, "%s:%d: expected key = value", path, lineno);
			break;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		size_t vl = strlen(v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v[vl - 1] = '\0';
			v++;
		}
		rc = config_set(cfg, k, v, e);
		if (rc)
			snprintf(e->msg, sizeof e->msg, "%s:%d: unknown or bad setting %.100s", path, lineno, k);
	}
	fclose(f);
	return rc;
}

/* KANAL_OAUTH_<NETWORK>_<FIELD> for every network and field. */
static int oauth_env(struct config *cfg, struct err *e)
{
	for (int n = 0; oauth2_networks[n]; n++)
		for (int f = 0; oauth2_fields[f]; f++) {
			char key[64], env[80];
			snprintf(key, sizeof key, "oauth_%s_%s", oauth2_networks[n], oauth2_fields[f]);
			snprintf(env, sizeof env, "KANAL_%s", key);
			for (char *c = env; *c; c++)
				if (*c >= 'a' && *c <= 'z')
					*c = (char)(*c - 'a' + 'A');
			const char *v = getenv(env);
			int rc;
			if (v && *v && (rc = config_set(cfg, key, v, e)))
				return rc;
		}
	return 0;
}

int config_load(struct config *cfg, const char *explicit_file, struct err *e)
{
	memset(cfg, 0, sizeof *cfg);
	str_copy(cfg->db, "kanal.db", sizeof cfg->db);
	str_copy(cfg->listen, "127.0.0.1:8080", sizeof cfg->listen);
	str_copy(cfg->log_level, "info", sizeof cfg->log_level);
	/* publishing waits on the network and the disk, not the CPU: more
	 * calls in flight than cores (bench/publish: 2 -> 8 doubled posts/s) */
	cfg->workers = 8;
	oauth2_apps_defaults(&cfg->oauth);
	const char *file = explicit_file ? explicit_file : getenv("KANAL_CONFIG");
	int rc;
	if (file && *file) {
		if ((rc = load_file(cfg, file, e)))
			return rc;
		str_copy(cfg->config_file, file, sizeof cfg->config_file);
	} else if (access("kanal.conf", R_OK) == 0) {
		if ((rc = load_file(cfg, "kanal.conf", e)))
			return rc;
		str_copy(cfg->config_file, "kanal.conf", sizeof cfg->config_file);
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = getenv(keys[i].env);
		if (v && *v && (rc = config_set(cfg, keys[i].key, v, e)))
			return rc;
	}
	return oauth_env(cfg, e);
}

int config_finish(struct config *cfg, struct err *e)
{
	if (!store_is_pg(cfg->db))
		return 0;
	if (!cfg->data_dir[0])
		return err_set(e, ERR_INVALID, "config.data_dir", "data_dir",
			       "a PostgreSQL database needs data_dir (KANAL_DATA_DIR): the folder for media files "
			       "and the secret key file");
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "config.data_dir", "data_dir", "cannot create data_dir %s: %s", cfg->data_dir,
			       strerror(errno));
	media_set_data_dir(cfg->data_dir);
	return 0;
}
