/* cmd_key: `kanal key rotate` and `kanal key status` — the master keys
 * that seal connected-account credentials at rest (see kanal(1), KEYS).
 *
 * Key file mode (no KANAL_SECRET_KEY): kanal.key beside the database lists
 * "ID:HEX" lines, the current key last. Rotation is crash-safe in three
 * steps: (1) the file gains the new key with the next id, listed first so
 * that the old key stays current (every process that starts now can open
 * both); (2) one database transaction re-seals every value under the new
 * key; (3) the file is rewritten with the new key last (current), keeping
 * an older key only while some value is still sealed under it. A crash
 * after (1) or (2) leaves every value readable; running rotate again
 * finishes the job.
 *
 * Environment mode (KANAL_SECRET_KEY set): kanal cannot change the
 * environment, so the operator brings the new key (--new-key) and, after
 * the transaction commits, puts it in KANAL_SECRET_KEY. Nothing is left
 * under the old key then; KANAL_SECRET_KEYS_OLD lets processes still
 * writing with the old key (not yet restarted) stay readable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/keyfile.h"
#include "cli/cli.h"
#include "core/core.h"
#include "core/publish.h"

static int valid_hex(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			return 0;
	return 1;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
}

static long count_of(json_t *counts, const char *kid)
{
	return (long)json_integer_value(json_object_get(counts, kid));
}

static int key_status(struct config *cfg, struct err *e)
{
	struct cli_keys k;
	int rc = cli_load_keys(cfg, 0, &k, e);
	if (rc == ERR_NOTFOUND) {
		printf("no key yet: kanal serve makes one in %s\n", k.path);
		return 0;
	}
	if (rc)
		goto out;
	struct store *st;
	if ((rc = cli_open_store(cfg, &st, e)))
		goto out;
	json_t *counts = NULL;
	rc = account_key_counts(st, &counts, e);
	store_close(st);
	if (rc)
		goto out;
	char cur[10], kid[10];
	crypto_key_id(ACCOUNT_PURPOSE, cur);
	if (k.from_env) {
		printf("keys: KANAL_SECRET_KEY%s\n", k.old_env ? " and KANAL_SECRET_KEYS_OLD" : "");
		printf("current key: env (%s)\n", cur);
		printf("key env %s: %ld sealed value(s) (current)\n", cur, count_of(counts, cur));
	} else {
		const int c = k.kf.n - 1;
		printf("keys: %s\n", k.path);
		printf("current key: %d (%s)\n", k.kf.k[c].id, cur);
		for (int i = c; i >= 0; i--) {
			crypto_key_id_of(k.kf.k[i].hex, ACCOUNT_PURPOSE, kid);
			printf("key %d %s: %ld sealed value(s)%s\n", k.kf.k[i].id, kid, count_of(counts, kid),
			       i == c ? " (current)" : "");
		}
	}
	const char *name;
	json_t *v;
	json_object_foreach(counts, name, v) {
		int known = strcmp(name, cur) == 0;
		for (int i = 0; !k.from_env && i < k.kf.n && !known; i++) {
			crypto_key_id_of(k.kf.k[i].hex, ACCOUNT_PURPOSE, kid);
			known = strcmp(name, kid) == 0;
		}
		if (!known)
			printf("other %s: %ld sealed value(s)%s\n", name, (long)json_integer_value(v),
			       k.from_env ? " (an older key: KANAL_SECRET_KEYS_OLD must hold it)"
					  : " (no key for it here: unreadable)");
	}
	json_decref(counts);
out:
	keyfile_wipe(&k.kf);
	return rc;
}

/* Re-seal everything under the key ring's current key; prints the count. */
static int reseal(struct config *cfg, long *n, struct err *e)
{
	struct store *st;
	int rc = cli_open_store(cfg, &st, e);
	if (rc)
		return rc;
	rc = account_reseal_all(st, n, e);
	store_close(st);
	return rc;
}

static int rotate_env(struct config *cfg, struct cli_keys *k, const char *newkey, struct err *e)
{
	if (!newkey)
		return err_set(e, ERR_INVALID, "key.new_key_needed", "",
			       "KANAL_SECRET_KEY comes from the environment: give the new key with --new-key HEX "
			       "(64 hex characters, e.g. from `openssl rand -hex 32`) or --new-key - (standard input)");
	if (strcasecmp(newkey, cfg->secret_key) == 0)
		return err_set(e, ERR_INVALID, "key.same", "", "the new key is the current key");
	/* the ring: the new key current, the environment's keys open */
	if (crypto_add_old_key(cfg->secret_key) || crypto_set_master_key(newkey))
		return err_set(e, ERR_INVALID, "key.malformed", "", "a key is 64 hex characters");
	char kid[10];
	crypto_key_id(ACCOUNT_PURPOSE, kid);
	long n = 0;
	int rc = reseal(cfg, &n, e);
	if (rc)
		return rc;
	(void)k;
	printf("re-encrypted %ld sealed value(s) under the new key %s.\n\n"
	       "Now, for every kanal serve and kanal worker:\n"
	       "  KANAL_SECRET_KEY=<the key given to --new-key>\n"
	       "and restart them. Until every one of them runs with the new key, give the restarted ones the old\n"
	       "key as well, so that what a not-yet-restarted process seals stays readable:\n"
	       "  KANAL_SECRET_KEYS_OLD=<the old KANAL_SECRET_KEY>\n"
	       "then run `kanal key rotate --new-key <the same new key>` once more (it re-seals any straggler)\n"
	       "and drop KANAL_SECRET_KEYS_OLD when `kanal key status` shows nothing under another key.\n",
	       n, kid);
	return 0;
}

static int rotate_file(struct config *cfg, struct cli_keys *k, const char *newkey, struct err *e)
{
	struct keyfile orig = k->kf, pending, fin;
	char newhex[65];
	if (newkey) {
		str_copy(newhex, newkey, sizeof newhex);
		lower(newhex);
	} else {
		unsigned char raw[32];
		crypto_random(raw, sizeof raw);
		crypto_hex(raw, sizeof raw, newhex);
		crypto_random(raw, sizeof raw);
	}
	int rc = 0;
	for (int i = 0; i < orig.n && !rc; i++)
		if (strcmp(orig.k[i].hex, newhex) == 0)
			rc = err_set(e, ERR_INVALID, "key.same", "", "the new key is already in %s", k->path);
	if (!rc && orig.n >= KEYFILE_MAX)
		rc = err_set(e, ERR_INVALID, "key.too_many", "", "%s already lists %d keys", k->path, KEYFILE_MAX);
	if (rc)
		goto out;
	const int id = keyfile_max_id(&orig) + 1;
	/* (1) the new key listed, the old one still current (last) */
	memset(&pending, 0, sizeof pending);
	pending.k[0].id = id;
	memcpy(pending.k[0].hex, newhex, 65);
	for (int i = 0; i < orig.n; i++)
		pending.k[i + 1] = orig.k[i];
	pending.n = orig.n + 1;
	char note[160];
	snprintf(note, sizeof note, "kanal key rotate in progress: key %d becomes current (last) when it finishes", id);
	if ((rc = keyfile_write(k->path, &pending, note, e)))
		goto out;
	/* (2) one transaction: everything under the new key */
	if (crypto_set_master_key(newhex)) {
		rc = err_set(e, ERR_INVALID, "key.malformed", "", "a key is 64 hex characters");
		goto out;
	}
	for (int i = 0; i < orig.n; i++)
		crypto_add_old_key(orig.k[i].hex);
	long n = 0;
	if ((rc = reseal(cfg, &n, e))) {
		/* nothing was sealed under the new key: the old list is exact */
		struct err e2;
		keyfile_write(k->path, &orig, NULL, &e2);
		goto out;
	}
	/* (3) the new key current; an old key stays only while in use */
	struct store *st;
	json_t *counts = NULL;
	if ((rc = cli_open_store(cfg, &st, e)))
		goto out;
	rc = account_key_counts(st, &counts, e);
	store_close(st);
	if (rc)
		goto out;
	memset(&fin, 0, sizeof fin);
	int kept = 0;
	char kid[10];
	for (int i = 0; i < orig.n; i++) {
		crypto_key_id_of(orig.k[i].hex, ACCOUNT_PURPOSE, kid);
		if (count_of(counts, kid) > 0) {
			fin.k[fin.n++] = orig.k[i];
			kept++;
		}
	}
	fin.k[fin.n].id = id;
	memcpy(fin.k[fin.n].hex, newhex, 65);
	fin.n++;
	json_decref(counts);
	if ((rc = keyfile_write(k->path, &fin, NULL, e)))
		goto out;
	crypto_key_id(ACCOUNT_PURPOSE, kid);
	printf("key %d (%s) is now current in %s; re-encrypted %ld sealed value(s); %d older key(s) dropped",
	       id, kid, k->path, n, orig.n - kept);
	if (kept)
		printf(", %d kept (values still sealed under them: run kanal key rotate again)", kept);
	printf(".\nRestart kanal serve and kanal worker so that they load it.\n");
	keyfile_wipe(&fin);
out:
	keyfile_wipe(&orig);
	keyfile_wipe(&pending);
	crypto_random(newhex, sizeof newhex);
	return rc;
}

static int key_rotate(struct config *cfg, int argc, char **argv, struct err *e)
{
	char newkey[130] = "";
	int have_new = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--new-key") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			int rc = strcmp(v, "-") == 0 ? cli_read_secret(newkey, sizeof newkey, e)
						     : (str_copy(newkey, v, sizeof newkey), 0);
			if (rc)
				return rc;
			have_new = 1;
		} else {
			return CLI_USAGE;
		}
	}
	if (have_new && !valid_hex(newkey))
		return err_set(e, ERR_INVALID, "key.malformed", "--new-key", "the new key is 64 hex characters");
	struct cli_keys k;
	int rc = cli_load_keys(cfg, 0, &k, e);
	if (rc == ERR_NOTFOUND)
		rc = err_set(e, ERR_NOTFOUND, "key.missing", "",
			     "no key file at %s and no KANAL_SECRET_KEY: nothing is sealed yet (kanal serve makes "
			     "the first key)",
			     k.path);
	if (!rc)
		rc = k.from_env ? rotate_env(cfg, &k, have_new ? newkey : NULL, e)
				: rotate_file(cfg, &k, have_new ? newkey : NULL, e);
	keyfile_wipe(&k.kf);
	crypto_random(newkey, sizeof newkey);
	return rc;
}

int cmd_key(struct config *cfg, int argc, char **argv, struct err *e)
{
	if (argc >= 1 && strcmp(argv[0], "rotate") == 0)
		return key_rotate(cfg, argc - 1, argv + 1, e);
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		return key_status(cfg, e);
	return CLI_USAGE;
}
