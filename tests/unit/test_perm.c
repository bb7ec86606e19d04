/* test_perm: the role x permission matrix against ../shared/DESIGN.md's
 * table, re-stated here by hand so that a change to perm.c alone fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/perm.h"

static const char *const roles[ROLE__COUNT] = {
    "owner",   "strategist",	   "content_manager", "community_manager",
    "analyst", "campaign_manager", "creative",	      "client_approver",
};

/* DESIGN.md "Roles and what they may do". "read" cells give the read
 * permission only; every member reads the workspace itself. Columns: owner
 * strategist content community analyst campaign creative client. */
static const struct {
	const char *perm;
	unsigned char allow[ROLE__COUNT];
} expected[] = {
    /* workspace: any member (docs/permissions.md) */
    {"workspace.read", {1, 1, 1, 1, 1, 1, 1, 1}},
    /* workspace settings, members, billing of ads accounts */
    {"workspace.admin", {1, 0, 0, 0, 0, 0, 0, 0}},
    /* connect / disconnect channels */
    {"channels.manage", {1, 1, 0, 0, 0, 0, 0, 0}},
    /* strategy: ✓ ✓ read read read read read read */
    {"strategy.read", {1, 1, 1, 1, 1, 1, 1, 1}},
    {"strategy.write", {1, 1, 0, 0, 0, 0, 0, 0}},
    /* draft posts, upload media */
    {"posts.draft", {1, 1, 1, 0, 0, 0, 1, 0}},
    /* submit for review, schedule, pause publishing */
    {"posts.schedule", {1, 1, 1, 0, 0, 0, 0, 0}},
    /* approve / request changes */
    {"posts.approve", {1, 1, 0, 0, 0, 0, 0, 1}},
    /* not in DESIGN.md's table: those who draft or approve may comment */
    {"posts.comment", {1, 1, 1, 0, 0, 0, 1, 1}},
    /* inbox: read */
    {"inbox.read", {1, 1, 1, 1, 1, 0, 0, 0}},
    /* inbox: reply, moderate, rules, leads */
    {"inbox.write", {1, 1, 0, 1, 0, 0, 0, 0}},
    /* campaigns and budgets: ✓ ✓ . . read ✓ . read */
    {"campaigns.read", {1, 1, 0, 0, 1, 1, 0, 1}},
    {"campaigns.write", {1, 1, 0, 0, 0, 1, 0, 0}},
    /* analytics and reports: read */
    {"analytics.read", {1, 1, 1, 1, 1, 1, 0, 1}},
    /* reports: build, schedule */
    {"reports.write", {1, 1, 0, 0, 1, 0, 0, 0}},
    /* audit log */
    {"audit.read", {1, 0, 0, 0, 0, 0, 0, 0}},
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

static enum perm perm_by_name(const char *name)
{
	for (int p = 0; p < PERM__COUNT; p++)
		if (strcmp(perm_name((enum perm)p), name) == 0)
			return (enum perm)p;
	return PERM__COUNT;
}

static void test_matrix_matches_design(void **state)
{
	(void)state;
	int mismatches = 0;
	for (size_t i = 0; i < NEXPECTED; i++) {
		enum perm p = perm_by_name(expected[i].perm);
		assert_int_not_equal(p, PERM__COUNT);
		for (int r = 0; r < ROLE__COUNT; r++) {
			int got = perm_allows((enum role)r, p);
			if (got != expected[i].allow[r]) {
				print_error("%s x %s: perm.c says %d, DESIGN.md says %d\n", roles[r], expected[i].perm,
					    got, expected[i].allow[r]);
				mismatches++;
			}
		}
	}
	assert_int_equal(mismatches, 0);
}

static void test_every_workspace_permission_is_in_the_table(void **state)
{
	(void)state;
	/* A permission added to perm.h without a row here must fail. */
	assert_int_equal(PERM__COUNT - PERM_FIRST_WS, NEXPECTED);
	for (int p = PERM_FIRST_WS; p < PERM__COUNT; p++) {
		int found = 0;
		for (size_t i = 0; i < NEXPECTED; i++)
			if (strcmp(expected[i].perm, perm_name((enum perm)p)) == 0)
				found++;
		assert_int_equal(found, 1);
	}
}

static void test_non_workspace_permissions_are_never_granted_by_roles(void **state)
{
	(void)state;
	assert_string_equal(perm_name(PERM_PUBLIC), "public");
	assert_string_equal(perm_name(PERM_AUTH), "auth");
	assert_string_equal(perm_name(PERM_SESSION), "session");
	assert_int_equal(PERM_FIRST_WS, PERM_WS_READ);
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_int_equal(perm_allows((enum role)r, PERM_PUBLIC), 0);
		assert_int_equal(perm_allows((enum role)r, PERM_AUTH), 0);
		assert_int_equal(perm_allows((enum role)r, PERM_SESSION), 0);
	}
}

static void test_out_of_range_denies(void **state)
{
	(void)state;
	for (int p = 0; p < PERM__COUNT; p++) {
		assert_int_equal(perm_allows(ROLE_NONE, (enum perm)p), 0);
		assert_int_equal(perm_allows(ROLE__COUNT, (enum perm)p), 0);
	}
	assert_int_equal(perm_allows(ROLE_OWNER, PERM__COUNT), 0);
}

static void test_perm_names(void **state)
{
	(void)state;
	assert_string_equal(perm_name(PERM_WS_READ), "workspace.read");
	assert_string_equal(perm_name(PERM_WS_ADMIN), "workspace.admin");
	assert_string_equal(perm_name(PERM_CHANNELS), "channels.manage");
	assert_string_equal(perm_name(PERM_AUDIT_READ), "audit.read");
	assert_string_equal(perm_name(PERM__COUNT), "?");
	/* Names are unique. */
	for (int a = 0; a < PERM__COUNT; a++)
		for (int b = a + 1; b < PERM__COUNT; b++)
			assert_string_not_equal(perm_name((enum perm)a), perm_name((enum perm)b));
}

static void test_role_names_round_trip(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_string_equal(role_name((enum role)r), roles[r]);
		assert_int_equal(role_parse(roles[r]), r);
		assert_int_equal(role_parse(role_name((enum role)r)), r);
	}
	assert_int_equal(ROLE_OWNER, 0);
	assert_int_equal(role_parse("client_approver"), ROLE_CLIENT);
	assert_int_equal(role_parse("content_manager"), ROLE_CONTENT);
}

static void test_unknown_role_names(void **state)
{
	(void)state;
	const char *bad[] = {"",	"none",	  "Owner",     "OWNER",	   "owner ",  " owner",	       "admin",
			     "content", "client", "community", "campaign", "owner\n", "workspace.read"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(role_parse(bad[i]), ROLE_NONE);
	assert_int_equal(role_parse(NULL), ROLE_NONE);
	assert_string_equal(role_name(ROLE_NONE), "none");
	assert_string_equal(role_name(ROLE__COUNT), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matrix_matches_design),
	    cmocka_unit_test(test_every_workspace_permission_is_in_the_table),
	    cmocka_unit_test(test_non_workspace_permissions_are_never_granted_by_roles),
	    cmocka_unit_test(test_out_of_range_denies),
	    cmocka_unit_test(test_perm_names),
	    cmocka_unit_test(test_role_names_round_trip),
	    cmocka_unit_test(test_unknown_role_names),
	};
	return cmocka_run_group_tests_name("perm", tests, NULL, NULL);
}
