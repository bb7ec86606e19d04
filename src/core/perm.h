/* perm: roles, permissions and the one matrix that says which role may do
 * what in a workspace (../shared/DESIGN.md, docs/permissions.md). */
#ifndef KANAL_PERM_H
#define KANAL_PERM_H

enum role {
	ROLE_NONE = -1,
	ROLE_OWNER = 0,
	ROLE_STRATEGIST,
	ROLE_CONTENT,
	ROLE_COMMUNITY,
	ROLE_ANALYST,
	ROLE_CAMPAIGN,
	ROLE_CREATIVE,
	ROLE_CLIENT,
	ROLE__COUNT
};

enum perm {
	PERM_PUBLIC = 0,      /* no authentication (health, login) */
	PERM_AUTH,            /* any authenticated caller, no workspace */
	PERM_SESSION,         /* a signed-in person (not an API token) */
	PERM_WS_READ,         /* any member of the workspace */
	PERM_WS_ADMIN,        /* settings, members, tokens, ad billing */
	PERM_CHANNELS,        /* connect / disconnect channels */
	PERM_STRATEGY_READ,
	PERM_STRATEGY_WRITE,
	PERM_POSTS_DRAFT,     /* draft posts, upload media */
	PERM_POSTS_SCHEDULE,  /* submit, schedule, pause publishing */
	PERM_POSTS_APPROVE,
	PERM_POSTS_COMMENT,   /* comment on posts: those who draft or approve */
	PERM_INBOX_READ,
	PERM_INBOX_WRITE,     /* reply, moderate, rules, leads */
	PERM_CAMPAIGNS_READ,
	PERM_CAMPAIGNS_WRITE,
	PERM_ANALYTICS_READ,
	PERM_REPORTS_WRITE,
	PERM_AUDIT_READ,
	PERM__COUNT
};

/* First permission that applies inside a workspace. */
#define PERM_FIRST_WS PERM_WS_READ

/* Stable names: "owner", "content_manager", ... and "workspace.read", ... */
const char *role_name(enum role r);
/* ROLE_NONE when unknown. */
enum role role_parse(const char *s);
const char *perm_name(enum perm p);
/* 1 when role r holds workspace permission p. */
int perm_allows(enum role r, enum perm p);

#endif
