/* crypto: randomness, tokens, hashing and passwords over libsodium. */
#ifndef KANAL_CRYPTO_H
#define KANAL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Initialise libsodium; returns 0 or -1. Call once before anything else. */
int crypto_init(void);
void crypto_random(void *out, size_t n);
/* A random URL-safe token of nbytes of entropy with a prefix, written to
 * out (needs strlen(prefix) + nbytes*4/3 + 4 bytes). */
void crypto_token(const char *prefix, size_t nbytes, char *out, size_t size);
/* BLAKE2b-256 of s as 64 lowercase hex characters (+NUL) in out[65]. For
 * high-entropy secrets (session ids, API tokens), not passwords. */
void crypto_hash_hex(const char *s, size_t len, char out[65]);
/* argon2id hash of a password into out (crypto_pwhash_STRBYTES = 128).
 * Returns 0 or -1 (out of memory inside libsodium). */
int crypto_password_hash(const char *pw, char out[128]);
/* 1 when pw matches hash. With hash NULL, does the same work against a
 * dummy hash and returns 0, so unknown users cost the same time. */
int crypto_password_verify(const char *hash, const char *pw);
/* Constant-time equality of two equal-length buffers. */
int crypto_equal(const void *a, const void *b, size_t n);
/* Constant-time equality of NUL-terminated strings (length may leak). */
int crypto_streq(const char *a, const char *b);
/* Set the server's master key from 64 hex characters; -1 when malformed.
 * Until set, a random per-process key is used (links then die with the
 * process). */
int crypto_set_master_key(const char *hex);
/* Add a master key (64 hex characters) that only opens values sealed under
 * it: an older key while `kanal key rotate` re-encrypts. -1 when malformed
 * or the ring (16 keys) is full. Call before any thread starts. */
int crypto_add_old_key(const char *hex);
/* The key id ("k" and 8 hex digits) that crypto_seal writes for purpose
 * under the current master key, or under the master key hex (-1 when hex
 * is malformed). The id is a fingerprint of the derived key, so a value is
 * only ever tried against the key that sealed it. */
void crypto_key_id(const char *purpose, char out[10]);
int crypto_key_id_of(const char *hex, const char *purpose, char out[10]);
/* A 32-byte key for one purpose ("share-link", ...), derived from the
 * master key. */
void crypto_subkey(const char *purpose, unsigned char out[32]);
/* Seal n bytes of plaintext for one purpose ("channel-secrets") with
 * associated data ad (the row's id, so that a sealed value copied to
 * another row does not open): XChaCha20-Poly1305 under a key derived from
 * the master key, written as "<key id>.<base64url(nonce | ciphertext)>"
 * (caller frees). */
char *crypto_seal(const char *purpose, const char *ad, const void *pt, size_t n);
/* Open a sealed value: the plaintext, NUL-terminated (caller frees with
 * crypto_free_secret), its length in *n; NULL when the key id is none of
 * the key ring's (the current key and any added with crypto_add_old_key), or the value was changed or belongs to another row. */
char *crypto_open(const char *purpose, const char *ad, const char *sealed, size_t *n);
/* Wipe and free a string holding a secret (NULL is fine). */
void crypto_free_secret(char *s);
/* HMAC-SHA256 of msg under a key of any length, as 64 lowercase hex
 * characters (+NUL) in out (webhook signatures). */
void crypto_hmac_hex(const void *key, size_t keylen, const void *msg, size_t len, char out[65]);
/* HMAC-SHA256 of msg under key. */
void crypto_hmac(const unsigned char key[32], const void *msg, size_t len, unsigned char out[32]);
/* A signed token for one purpose: "<base64url(payload)>.<base64url(HMAC-
 * SHA256(subkey(purpose), payload))>" (review links, public media links).
 * 0, or -1 when out is too small. */
int crypto_token_sign(const char *purpose, const char *payload, char *out, size_t size);
/* The payload of a token signed for purpose, checked in constant time:
 * 0 with payload (NUL-terminated) in out, or -1 when it is malformed, too
 * long for out, or not signed with this purpose's key. */
int crypto_token_open(const char *purpose, const char *token, char *out, size_t size);
/* URL-safe base64 without padding; out needs 4*n/3+4. */
void crypto_b64url(const void *in, size_t n, char *out, size_t size);
/* Decode; returns the length or -1. */
long crypto_b64url_decode(const char *in, unsigned char *out, size_t size);
/* Hex of bytes; out needs 2n+1. */
void crypto_hex(const void *in, size_t n, char *out);

/* SHA-256 over data that arrives in pieces (uploads hashed while they
 * stream). The state is opaque; init, update any number of times, then
 * final writes 64 lowercase hex characters and a NUL. */
struct crypto_sha256 {
	_Alignas(8) unsigned char opaque[128];
};
void crypto_sha256_init(struct crypto_sha256 *h);
void crypto_sha256_update(struct crypto_sha256 *h, const void *p, size_t n);
void crypto_sha256_final_hex(struct crypto_sha256 *h, char out[65]);

#endif
