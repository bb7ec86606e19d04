/* perm: the default role x permission matrix, in one table. */
#include "core/perm.h"

#include <string.h>

static const char *const role_names[ROLE__COUNT] = {
	"owner", "strategist", "content_manager", "community_manager",
	"analyst", "campaign_manager", "creative", "client_approver",
};

static const char *const perm_names[PERM__COUNT] = {
	"public", "auth", "session", "workspace.read", "workspace.admin", "channels.manage",
	"strategy.read", "strategy.write", "posts.draft", "posts.schedule", "posts.approve", "posts.comment",
	"inbox.read", "inbox.write", "campaigns.read", "campaigns.write", "analytics.read",
	"reports.write", "audit.read",
};

/* Columns: owner strategist content community analyst campaign creative client. */
#define R(o, s, c, m, a, p, k, l) {o, s, c, m, a, p, k, l}
static const unsigned char matrix[PERM__COUNT][ROLE__COUNT] = {
	[PERM_WS_READ] = R(1, 1, 1, 1, 1, 1, 1, 1),
	[PERM_WS_ADMIN] = R(1, 0, 0, 0, 0, 0, 0, 0),
	[PERM_CHANNELS] = R(1, 1, 0, 0, 0, 0, 0, 0),
	[PERM_STRATEGY_READ] = R(1, 1, 1, 1, 1, 1, 1, 1),
	[PERM_STRATEGY_WRITE] = R(1, 1, 0, 0, 0, 0, 0, 0),
	[PERM_POSTS_DRAFT] = R(1, 1, 1, 0, 0, 0, 1, 0),
	[PERM_POSTS_SCHEDULE] = R(1, 1, 1, 0, 0, 0, 0, 0),
	[PERM_POSTS_APPROVE] = R(1, 1, 0, 0, 0, 0, 0, 1),
	[PERM_POSTS_COMMENT] = R(1, 1, 1, 0, 0, 0, 1, 1),
	[PERM_INBOX_READ] = R(1, 1, 1, 1, 1, 0, 0, 0),
	[PERM_INBOX_WRITE] = R(1, 1, 0, 1, 0, 0, 0, 0),
	[PERM_CAMPAIGNS_READ] = R(1, 1, 0, 0, 1, 1, 0, 1),
	[PERM_CAMPAIGNS_WRITE] = R(1, 1, 0, 0, 0, 1, 0, 0),
	[PERM_ANALYTICS_READ] = R(1, 1, 1, 1, 1, 1, 0, 1),
	[PERM_REPORTS_WRITE] = R(1, 1, 0, 0, 1, 0, 0, 0),
	[PERM_AUDIT_READ] = R(1, 0, 0, 0, 0, 0, 0, 0),
};

const char *role_name(enum role r)
{
	return r >= 0 && r < ROLE__COUNT ? role_names[r] : "none";
}

enum role role_parse(const char *s)
{
	for (int i = 0; i < ROLE__COUNT; i++)
		if (s && strcmp(s, role_names[i]) == 0)
			return (enum role)i;
	return ROLE_NONE;
}

const char *perm_name(enum perm p)
{
	return p >= 0 && p < PERM__COUNT ? perm_names[p] : "?";
}

int perm_allows(enum role r, enum perm p)
{
	if (r < 0 || r >= ROLE__COUNT || p < PERM_FIRST_WS || p >= PERM__COUNT)
		return 0;
	return matrix[p][r];
}
