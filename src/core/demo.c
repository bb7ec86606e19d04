/* demo: the demo world — the agency Studio Drita (Tirana) and two client
 * brands — so that every screen has believable data. Later issues add their
 * own data here, generated with a fixed seed. */
#include <string.h>

#include "base/buf.h"
#include "core/core.h"

static const struct {
	const char *email, *name, *lang;
} people[] = {
	{"elira@studiodrita.al", "Elira Hoxha", "sq"},   {"arben@studiodrita.al", "Arben Kola", "sq"},
	{"mira@studiodrita.al", "Mira Leka", "en"},      {"dritan@studiodrita.al", "Dritan Shehu", "sq"},
	{"sokol@studiodrita.al", "Sokol Berisha", "en"}, {"besa@studiodrita.al", "Besa Gashi", "sq"},
	{"luan@studiodrita.al", "Luan Dervishi", "en"},  {"ana@gurikuq.al", "Ana Marku", "sq"},
};

/* Roles by person (same order), per workspace; NULL = not a member. */
static const char *const hotel_roles[] = {"owner",     "strategist",       "content_manager", "community_manager",
					  "analyst",   "campaign_manager", "creative",        "client_approver"};
static const char *const bakery_roles[] = {"owner",     "strategist",       "content_manager", "community_manager",
					   "analyst",   "campaign_manager", "creative",        NULL};

int demo_create(struct store *st, int *created, struct err *e)
{
	struct actor a;
	actor_cli(&a);
	str_copy(a.label, "demo", sizeof a.label);
	*created = 0;
	struct workspace w;
	if (workspace_find(st, "hotel-guri-i-kuq", &w, NULL) == 0)
		return 0;
	int64_t ids[8];
	for (size_t i = 0; i < 8; i++) {
		struct user u;
		int rc = user_by_email(st, people[i].email, &u, NULL);
		if (rc == ERR_NOTFOUND)
			rc = user_create(st, &a, people[i].email, people[i].name, DEMO_PASSWORD, people[i].lang, &u, e);
		if (rc)
			return rc;
		ids[i] = u.id;
	}
	struct workspace hotel, bakery;
	int rc = workspace_create(st, &a, "Hotel Guri i Kuq", "Europe/Tirane", "sq", "EUR", ids[0], &hotel, e);
	if (!rc)
		rc = workspace_create(st, &a, "Furra e Lagjes", "Europe/Tirane", "sq", "ALL", ids[0], &bakery, e);
	for (size_t i = 1; !rc && i < 8; i++) {
		if (hotel_roles[i])
			rc = member_add(st, &a, hotel.id, people[i].email, NULL, hotel_roles[i], NULL, NULL, e);
		if (!rc && bakery_roles[i])
			rc = member_add(st, &a, bakery.id, people[i].email, NULL, bakery_roles[i], NULL, NULL, e);
	}
	if (!rc)
		*created = 1;
	return rc;
}
