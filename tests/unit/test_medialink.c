/* medialink: signed public media links — a link made is opened back to
 * the same item; a changed byte, another key or a past expiry is refused
 * with a stable code; the network name is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/time.h"
#include "core/medialink.h"

static const char *token_of(const char *url)
{
	const char *t = strstr(url, "/media/p/");
	assert_non_null(t);
	return t + strlen("/media/p/");
}

static void test_round_trip(void **state)
{
	(void)state;
	char url[512], net[MEDIALINK_NET_MAX];
	int64_t ws = 0, id = 0;
	struct err e;
	err_clear(&e);
	assert_int_equal(
	    medialink_make("https://kanal.example/", 7, 42, "instagram", time_now_ms() + 60000, url, sizeof url), 0);
	assert_true(strncmp(url, "https://kanal.example/media/p/", 30) == 0);
	assert_int_equal(medialink_open(token_of(url), &ws, &id, net, &e), 0);
	assert_int_equal(ws, 7);
	assert_int_equal(id, 42);
	assert_string_equal(net, "instagram");
}

static void test_tampered_expired_and_foreign_keys_are_refused(void **state)
{
	(void)state;
	char url[512], net[MEDIALINK_NET_MAX], t[400];
	int64_t ws, id;
	struct err e;
	assert_int_equal(medialink_make("http://h", 1, 2, "threads", time_now_ms() + 60000, url, sizeof url), 0);
	str_copy(t, token_of(url), sizeof t);
	t[3] = t[3] == 'A' ? 'B' : 'A'; /* the payload changed */
	err_clear(&e);
	assert_int_equal(medialink_open(t, &ws, &id, net, &e), ERR_NOTFOUND);
	assert_string_equal(e.key, "media_link.invalid");
	err_clear(&e);
	assert_int_equal(medialink_open("nodot", &ws, &id, net, &e), ERR_NOTFOUND);
	assert_string_equal(e.key, "media_link.invalid");
	/* signed correctly, but past its expiry */
	assert_int_equal(medialink_make("http://h", 1, 2, "threads", time_now_ms() - 1, url, sizeof url), 0);
	err_clear(&e);
	assert_int_equal(medialink_open(token_of(url), &ws, &id, net, &e), ERR_NOTFOUND);
	assert_string_equal(e.key, "media_link.expired");
	/* made under another server key */
	assert_int_equal(medialink_make("http://h", 1, 2, "threads", time_now_ms() + 60000, url, sizeof url), 0);
	str_copy(t, token_of(url), sizeof t);
	assert_int_equal(crypto_set_master_key("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"), 0);
	err_clear(&e);
	assert_int_equal(medialink_open(t, &ws, &id, net, &e), ERR_NOTFOUND);
	assert_string_equal(e.key, "media_link.invalid");
	/* a network name that is not one */
	assert_int_equal(medialink_make("http://h", 1, 2, "../x", time_now_ms() + 60000, url, sizeof url), -1);
	assert_string_equal(url, "");
	assert_int_equal(medialink_make("http://h", 1, 2, "", time_now_ms() + 60000, url, sizeof url), -1);
}

int main(void)
{
	if (crypto_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_tampered_expired_and_foreign_keys_are_refused),
	};
	return cmocka_run_group_tests_name("medialink", tests, NULL, NULL);
}
