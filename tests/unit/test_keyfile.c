/* test_keyfile: the master key list (base/keyfile.c) — the older one-key
 * format, ID:HEX lines with the current key last, comments, every way a
 * line can be wrong; and the crypto key ring opening values sealed under
 * an older key while sealing under the current one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/crypto.h"
#include "base/keyfile.h"

#define KA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KB "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define KC "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

static void legacy_format(void **state)
{
	(void)state;
	struct keyfile kf;
	struct err e;
	assert_int_equal(keyfile_parse(KA, &kf, &e), 0);
	assert_int_equal(kf.n, 1);
	assert_int_equal(kf.k[0].id, 1);
	assert_string_equal(keyfile_current(&kf)->hex, KA);
	assert_int_equal(keyfile_parse(KA "\n", &kf, &e), 0);
	assert_int_equal(kf.n, 1);
}

static void list_format(void **state)
{
	(void)state;
	struct keyfile kf;
	struct err e;
	assert_int_equal(keyfile_parse("# rotation in progress\n3:" KB "\n\n 2:" KA " \r\n", &kf, &e), 0);
	assert_int_equal(kf.n, 2);
	assert_int_equal(kf.k[0].id, 3);
	assert_int_equal(keyfile_current(&kf)->id, 2);
	assert_string_equal(keyfile_current(&kf)->hex, KA);
	assert_int_equal(keyfile_max_id(&kf), 3);
	/* upper-case hex is read and written lower-case */
	assert_int_equal(keyfile_parse("1:" KC, &kf, &e), 0);
	assert_int_equal(kf.k[0].hex[0], 'b');
	/* format then parse: the same list */
	assert_int_equal(keyfile_parse("1:" KA "\n2:" KB "\n", &kf, &e), 0);
	char *text = keyfile_format(&kf, "note");
	assert_string_equal(text, "# note\n1:" KA "\n2:" KB "\n");
	struct keyfile again;
	assert_int_equal(keyfile_parse(text, &again, &e), 0);
	assert_int_equal(again.n, 2);
	assert_string_equal(keyfile_current(&again)->hex, KB);
	free(text);
	keyfile_wipe(&kf);
	assert_int_equal(kf.n, 0);
}

static void malformed(void **state)
{
	(void)state;
	static const char *bad[] = {
		"",
		"# only a comment\n",
		"1:" KA "0",                 /* 65 characters */
		"1:" KA "\n1:" KB,           /* id twice */
		"1:" KA "\n2:" KA,           /* key twice */
		"0:" KA,                     /* id 0 */
		"-1:" KA,                    /* negative */
		":" KA,                      /* no id */
		"x:" KA,                     /* not a number */
		"1 " KA,                     /* no colon */
		"1:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", /* not hex */
		"1:" KA "\ngarbage",
		"123456789012:" KA,          /* too large */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct keyfile kf;
		struct err e;
		err_clear(&e);
		assert_int_equal(keyfile_parse(bad[i], &kf, &e), ERR_INVALID);
		assert_string_equal(e.key, "keyfile.malformed");
	}
}

static void ring_opens_old_values(void **state)
{
	(void)state;
	char kid_a[10], kid_b[10];
	assert_int_equal(crypto_set_master_key(KA), 0);
	crypto_key_id("test", kid_a);
	char *sealed_a = crypto_seal("test", "row:1", "hello", 5);
	assert_memory_equal(sealed_a, kid_a, 9);
	/* rotate: B current, A only opens */
	assert_int_equal(crypto_add_old_key(KA), 0);
	assert_int_equal(crypto_set_master_key(KB), 0);
	crypto_key_id("test", kid_b);
	assert_string_not_equal(kid_a, kid_b);
	char id_of[10];
	assert_int_equal(crypto_key_id_of(KB, "test", id_of), 0);
	assert_string_equal(id_of, kid_b);
	assert_int_equal(crypto_key_id_of("nope", "test", id_of), -1);
	size_t n = 0;
	char *plain = crypto_open("test", "row:1", sealed_a, &n);
	assert_non_null(plain);
	assert_string_equal(plain, "hello");
	crypto_free_secret(plain);
	assert_null(crypto_open("test", "row:2", sealed_a, &n)); /* another row */
	char *sealed_b = crypto_seal("test", "row:1", "hello", 5);
	assert_memory_equal(sealed_b, kid_b, 9);
	assert_int_equal(crypto_add_old_key("short"), -1);
	free(sealed_a);
	free(sealed_b);
}

int main(void)
{
	crypto_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(legacy_format),
		cmocka_unit_test(list_format),
		cmocka_unit_test(malformed),
		cmocka_unit_test(ring_opens_old_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
