/* crypto: the libsodium calls kanal uses, in one place. */
#include "base/crypto.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* Made on first need, not at start-up: hashing costs tens of milliseconds. */
static void make_dummy(void)
{
	crypto_password_hash("kanal-dummy-password-for-timing", dummy_hash);
}

int crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void crypto_random(void *out, size_t n)
{
	randombytes_buf(out, n);
}

void crypto_token(const char *prefix, size_t nbytes, char *out, size_t size)
{
	unsigned char raw[64];
	char enc[100];
	if (nbytes > sizeof raw)
		nbytes = sizeof raw;
	randombytes_buf(raw, nbytes);
	sodium_bin2base64(enc, sizeof enc, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	struct buf b = BUF_INIT(0);
	buf_adds(&b, prefix);
	buf_adds(&b, enc);
	str_copy(out, buf_cstr(&b), size);
	buf_free(&b);
}

void crypto_hash_hex(const char *s, size_t len, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)s, len, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

int crypto_password_hash(const char *pw, char out[128])
{
	return crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

int crypto_password_verify(const char *hash, const char *pw)
{
	if (!hash || !*hash) {
		pthread_once(&dummy_once, make_dummy);
		int r = crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw));
		(void)r;
		return 0;
	}
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

int crypto_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

int crypto_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}

void crypto_hex(const void *in, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

/* The key ring: ring[0] is the current master key (seals, signs); the
 * others only open values sealed under them while a rotation finishes.
 * Filled before any thread starts, read-only afterwards. */
#define RING_MAX 16
static unsigned char ring[RING_MAX][32];
static int ring_n;
static int master_set;
static pthread_once_t master_once = PTHREAD_ONCE_INIT;

static void master_random(void)
{
	if (!master_set) {
		randombytes_buf(ring[0], sizeof ring[0]);
		if (ring_n < 1)
			ring_n = 1;
	}
}

static int parse_key(const char *hex, unsigned char out[32])
{
	size_t n = 0;
	if (!hex || strlen(hex) != 64 || sodium_hex2bin(out, 32, hex, 64, NULL, &n, NULL) != 0 || n != 32)
		return -1;
	return 0;
}

int crypto_set_master_key(const char *hex)
{
	unsigned char k[32];
	if (parse_key(hex, k))
		return -1;
	memcpy(ring[0], k, 32);
	sodium_memzero(k, sizeof k);
	if (ring_n < 1)
		ring_n = 1;
	master_set = 1;
	return 0;
}

int crypto_add_old_key(const char *hex)
{
	unsigned char k[32];
	if (parse_key(hex, k))
		return -1;
	if (ring_n < 1)
		ring_n = 1; /* slot 0 stays for the current key */
	/* not against slot 0: a later crypto_set_master_key replaces it */
	for (int i = 1; i < ring_n; i++)
		if (sodium_memcmp(ring[i], k, 32) == 0) {
			sodium_memzero(k, sizeof k);
			return 0;
		}
	if (ring_n >= RING_MAX) {
		sodium_memzero(k, sizeof k);
		return -1;
	}
	memcpy(ring[ring_n++], k, 32);
	sodium_memzero(k, sizeof k);
	return 0;
}

static void derive(const unsigned char master[32], const char *purpose, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)purpose, strlen(purpose), master, 32);
}

void crypto_subkey(const char *purpose, unsigned char out[32])
{
	pthread_once(&master_once, master_random);
	derive(ring[0], purpose, out);
}

void crypto_hmac(const unsigned char key[32], const void *msg, size_t len, unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, out);
}

int crypto_token_sign(const char *purpose, const char *payload, char *out, size_t size)
{
	unsigned char key[32], mac[32];
	size_t n = strlen(payload);
	char b64m[48];
	if (size < (n + 2) / 3 * 4 + sizeof b64m + 2)
		return -1;
	crypto_subkey(purpose, key);
	crypto_hmac(key, payload, n, mac);
	crypto_b64url(payload, n, out, size);
	crypto_b64url(mac, sizeof mac, b64m, sizeof b64m);
	size_t l = strlen(out);
	if (l + 1 + strlen(b64m) + 1 > size)
		return -1;
	out[l] = '.';
	memcpy(out + l + 1, b64m, strlen(b64m) + 1);
	sodium_memzero(key, sizeof key);
	return 0;
}

int crypto_token_open(const char *purpose, const char *token, char *out, size_t size)
{
	const char *dot = token ? strchr(token, '.') : NULL;
	char b64p[512];
	unsigned char mac[40], want[32], key[32];
	if (!dot || (size_t)(dot - token) >= sizeof b64p || size < 2)
		return -1;
	memcpy(b64p, token, (size_t)(dot - token));
	b64p[dot - token] = '\0';
	long pl = crypto_b64url_decode(b64p, (unsigned char *)out, size - 1);
	long ml = crypto_b64url_decode(dot + 1, mac, sizeof mac);
	if (pl <= 0 || ml != 32) {
		out[0] = '\0';
		return -1;
	}
	out[pl] = '\0';
	crypto_subkey(purpose, key);
	crypto_hmac(key, out, (size_t)pl, want);
	sodium_memzero(key, sizeof key);
	if (!crypto_equal(mac, want, 32) || strlen(out) != (size_t)pl) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* The key id: the first 4 bytes of a hash of the purpose key, so that a
 * value sealed under another master key is recognised as such (rotation). */
static void key_id(const unsigned char key[32], char out[10])
{
	unsigned char h[4];
	crypto_generichash(h, sizeof h, key, 32, (const unsigned char *)"kanal-key-id", 12);
	out[0] = 'k';
	sodium_bin2hex(out + 1, 9, h, sizeof h);
}

void crypto_key_id(const char *purpose, char out[10])
{
	unsigned char key[32];
	crypto_subkey(purpose, key);
	key_id(key, out);
	sodium_memzero(key, sizeof key);
}

int crypto_key_id_of(const char *hex, const char *purpose, char out[10])
{
	unsigned char m[32], key[32];
	if (parse_key(hex, m))
		return -1;
	derive(m, purpose, key);
	key_id(key, out);
	sodium_memzero(m, sizeof m);
	sodium_memzero(key, sizeof key);
	return 0;
}

char *crypto_seal(const char *purpose, const char *ad, const void *pt, size_t n)
{
	unsigned char key[32];
	char kid[10];
	crypto_subkey(purpose, key);
	key_id(key, kid);
	size_t raw_len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned char *raw = xmalloc(raw_len);
	randombytes_buf(raw, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(raw + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, pt, n,
						   (const unsigned char *)ad, strlen(ad), NULL, raw, key);
	sodium_memzero(key, sizeof key);
	size_t b64 = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = xmalloc(strlen(kid) + 1 + b64);
	size_t kl = strlen(kid);
	memcpy(out, kid, kl);
	out[kl] = '.';
	sodium_bin2base64(out + kl + 1, b64, raw, raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(raw);
	return out;
}

char *crypto_open(const char *purpose, const char *ad, const char *sealed, size_t *n)
{
	unsigned char key[32];
	char kid[10];
	const size_t kl = 9, nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		     ab = crypto_aead_xchacha20poly1305_ietf_ABYTES;
	pthread_once(&master_once, master_random);
	int found = 0;
	for (int i = 0; sealed && i < ring_n && !found; i++) {
		derive(ring[i], purpose, key);
		key_id(key, kid);
		found = strncmp(sealed, kid, kl) == 0 && sealed[kl] == '.';
	}
	if (!found) {
		sodium_memzero(key, sizeof key);
		return NULL;
	}
	const char *b64 = sealed + kl + 1;
	size_t cap = strlen(b64) / 4 * 3 + 3, raw_len = 0;
	unsigned char *raw = xmalloc(cap);
	char *out = NULL;
	if (sodium_base642bin(raw, cap, b64, strlen(b64), NULL, &raw_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
	    raw_len >= nb + ab) {
		out = xmalloc(raw_len - nb - ab + 1);
		unsigned long long plen = 0;
		if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &plen, NULL, raw + nb, raw_len - nb,
							       (const unsigned char *)ad, strlen(ad), raw, key) != 0) {
			free(out);
			out = NULL;
		} else {
			out[plen] = '\0';
			if (n)
				*n = (size_t)plen;
		}
	}
	sodium_memzero(key, sizeof key);
	free(raw);
	return out;
}

void crypto_free_secret(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

void crypto_hmac_hex(const void *key, size_t keylen, const void *msg, size_t len, char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[32];
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}

void crypto_b64url(const void *in, size_t n, char *out, size_t size)
{
	sodium_bin2base64(out, size, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

long crypto_b64url_decode(const char *in, unsigned char *out, size_t size)
{
	size_t n = 0;
	if (sodium_base642bin(out, size, in, strlen(in), NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	return (long)n;
}

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(struct crypto_sha256), "sha256 state fits");

void crypto_sha256_init(struct crypto_sha256 *h)
{
	crypto_hash_sha256_init((crypto_hash_sha256_state *)h->opaque);
}

void crypto_sha256_update(struct crypto_sha256 *h, const void *p, size_t n)
{
	crypto_hash_sha256_update((crypto_hash_sha256_state *)h->opaque, p, n);
}

void crypto_sha256_final_hex(struct crypto_sha256 *h, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final((crypto_hash_sha256_state *)h->opaque, d);
	sodium_bin2hex(out, 65, d, sizeof d);
}
