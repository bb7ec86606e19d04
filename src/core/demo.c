/* demo: the demo world — the agency Studio Drita (Tirana) and two client
 * brands — so that every screen has believable data. Later issues add their
 * own data here, generated with a fixed seed. */
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/time.h"
#include "core/content.h"
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

static struct actor person(int64_t id, const char *name)
{
	struct actor a;
	memset(&a, 0, sizeof a);
	a.user_id = id;
	a.token_role = ROLE_NONE;
	str_copy(a.label, name, sizeof a.label);
	return a;
}

static int64_t add_channel(struct store *st, const struct actor *a, int64_t ws, const char *json, struct err *e)
{
	json_t *f = json_loads(json, 0, NULL), *c = NULL;
	int rc = channel_create(st, a, ws, f, &c, e);
	json_decref(f);
	int64_t id = rc ? 0 : json_integer_value(json_object_get(c, "id"));
	json_decref(c);
	return id;
}

/* A post, moved along the workflow by the people whose job each step is;
 * day/time: schedule that many days from today at that local time. */
struct demo_post {
	const char *title, *text, *type, *tags;
	int chans[4];
	const char *state; /* draft, in_review, approved, scheduled */
	int day;
	const char *time;
};

static int add_post(struct store *st, int64_t ws, const int64_t *chan, const struct demo_post *d,
		    const struct actor *drafter, const struct actor *submitter, const struct actor *approver,
		    const struct actor *scheduler, struct err *e)
{
	json_t *f = json_pack("{ss ss ss}", "title", d->title, "master_text", d->text, "content_type", d->type);
	json_object_set_new(f, "tags", json_loads(d->tags, 0, NULL));
	json_t *ids = json_array();
	for (int i = 0; i < 4 && d->chans[i]; i++)
		json_array_append_new(ids, json_integer(chan[d->chans[i] - 1]));
	json_object_set_new(f, "channel_ids", ids);
	json_t *p = NULL;
	int rc = post_create(st, drafter, ws, f, &p, e);
	json_decref(f);
	if (rc)
		return rc;
	int64_t id = json_integer_value(json_object_get(p, "id"));
	json_decref(p);
	const char *st_ = d->state;
	if (strcmp(st_, "draft") != 0) {
		if ((rc = post_transition(st, submitter, ROLE_CONTENT, ws, id, POST_SUBMIT, NULL, &p, e)))
			return rc;
		json_decref(p);
	}
	if (!rc && (strcmp(st_, "approved") == 0 || strcmp(st_, "scheduled") == 0)) {
		if ((rc = post_transition(st, approver, ROLE_CLIENT, ws, id, POST_APPROVE, NULL, &p, e)))
			return rc;
		json_decref(p);
	}
	if (!rc && strcmp(st_, "scheduled") == 0) {
		char today[20], local[64];
		struct workspace w;
		if ((rc = workspace_get(st, ws, &w, e)))
			return rc;
		schedule_utc_to_local(time_now_ms() + (int64_t)d->day * 86400000, w.timezone, today);
		snprintf(local, sizeof local, "%.10sT%s", today, d->time);
		json_t *args = json_pack("{ss}", "local", local);
		rc = post_transition(st, scheduler, ROLE_STRATEGIST, ws, id, POST_SCHEDULE, args, &p, e);
		json_decref(args);
		if (!rc)
			json_decref(p);
	}
	return rc;
}

/* Channels and a month of content for both brands. */
static int demo_content(struct store *st, const int64_t *ids, int64_t hotel, int64_t bakery, struct err *e)
{
	struct actor elira = person(ids[0], "Elira Hoxha"), arben = person(ids[1], "Arben Kola"),
		     mira = person(ids[2], "Mira Leka"), luan = person(ids[6], "Luan Dervishi"),
		     ana = person(ids[7], "Ana Marku");
	int64_t hc[3], bc[4];
	static const char weekday_slots[] = "[{\"day\":1,\"time\":\"09:00\"},{\"day\":3,\"time\":\"09:00\"},"
					    "{\"day\":5,\"time\":\"18:30\"},{\"day\":6,\"time\":\"10:00\"}]";
	char buf[512];
	snprintf(buf, sizeof buf, "{\"network\":\"instagram\",\"name\":\"Hotel Guri i Kuq\",\"handle\":\"@hotelgurikuq\",\"slots\":%s}", weekday_slots);
	hc[0] = add_channel(st, &arben, hotel, buf, e);
	snprintf(buf, sizeof buf, "{\"network\":\"facebook\",\"name\":\"Hotel Guri i Kuq\",\"handle\":\"hotelgurikuq\",\"slots\":%s}", weekday_slots);
	hc[1] = add_channel(st, &arben, hotel, buf, e);
	snprintf(buf, sizeof buf, "{\"network\":\"bluesky\",\"name\":\"Guri i Kuq\",\"handle\":\"@gurikuq.bsky.social\",\"slots\":%s}", weekday_slots);
	hc[2] = add_channel(st, &arben, hotel, buf, e);
	static const char bakery_slots[] = "[{\"day\":1,\"time\":\"07:30\"},{\"day\":2,\"time\":\"07:30\"},"
					   "{\"day\":3,\"time\":\"07:30\"},{\"day\":4,\"time\":\"07:30\"},"
					   "{\"day\":5,\"time\":\"07:30\"},{\"day\":6,\"time\":\"08:00\"}]";
	snprintf(buf, sizeof buf, "{\"network\":\"instagram\",\"name\":\"Furra e Lagjes\",\"handle\":\"@furraelagjes\",\"slots\":%s}", bakery_slots);
	bc[0] = add_channel(st, &arben, bakery, buf, e);
	snprintf(buf, sizeof buf, "{\"network\":\"facebook\",\"name\":\"Furra e Lagjes\",\"handle\":\"furraelagjes\",\"slots\":%s}", bakery_slots);
	bc[1] = add_channel(st, &arben, bakery, buf, e);
	snprintf(buf, sizeof buf, "{\"network\":\"mastodon\",\"name\":\"Furra e Lagjes\",\"handle\":\"@furra@mastodon.social\",\"slots\":%s}", bakery_slots);
	bc[2] = add_channel(st, &arben, bakery, buf, e);
	snprintf(buf, sizeof buf, "{\"network\":\"x\",\"name\":\"Furra e Lagjes\",\"handle\":\"@furraelagjes\",\"slots\":%s}", bakery_slots);
	bc[3] = add_channel(st, &arben, bakery, buf, e);
	for (int i = 0; i < 3; i++)
		if (!hc[i])
			return e->code ? e->code : ERR_INTERNAL;
	for (int i = 0; i < 4; i++)
		if (!bc[i])
			return e->code ? e->code : ERR_INTERNAL;

	static const struct demo_post hotel_posts[] = {
		{"Sunrise terrace", "Mëngjes me pamje nga deti 🌅 Kafeja e parë e ditës në tarracën tonë, me zërin e valëve. "
				    "Rezervo verën tënde te Guri i Kuq. #Dhërmi #Albania #GuriIKuq",
		 "image", "[\"summer\",\"brand\"]", {1, 2, 3}, "scheduled", 1, "09:00"},
		{"Early booking June", "Early booking: 15% off every June stay booked before 31 January. Family rooms with a "
				       "sea view, breakfast with produce from our own garden. https://gurikuq.al/june",
		 "link", "[\"summer-campaign\"]", {1, 2, 3}, "approved", 0, NULL},
		{"Chef's fërgesë", "Behind the scenes: chef Artan's fërgesë, the way his grandmother made it in Përmet. "
				   "Served every Friday this winter. 🍲",
		 "video", "[\"food\"]", {1, 2}, "in_review", 0, NULL},
		{"Winter weekend", "Fundjavë dimri në bregdet: dhoma me oxhak, shëtitje në plazhin e zbrazët dhe darkë me peshk "
				   "të freskët. Çmimi përfshin mëngjesin dhe një masazh për dy. Telefononi ose shkruani "
				   "në mesazh për datat e lira në dhjetor dhe janar. Ofertë e kufizuar! #Dimër #Dhërmi "
				   "#Bregdeti #Shqipëri #Udhëtim #Pushime #Hotel",
		 "carousel", "[\"winter\"]", {1, 3}, "draft", 0, NULL},
		{"Guest story", "\"We came for three nights and stayed for ten.\" — the Bauer family from Graz, summer 2026.",
		 "text", "[\"reviews\"]", {2, 3}, "scheduled", 4, "18:30"},
	};
	static const struct demo_post bakery_posts[] = {
		{"Fresh bread 6am", "Bukë e freskët çdo mëngjes nga ora 6:00 🥖 Eja herët, byrekët mbarojnë shpejt! #Tirana #bukë",
		 "image", "[\"daily\"]", {1, 2, 3, 4}, "scheduled", 2, "07:30"},
		{"Office catering", "Catering për zyrën tuaj: byrek, pite dhe ëmbëlsira për takime dhe festa. Porosit një ditë "
				    "më parë: https://furraelagjes.al/catering",
		 "link", "[\"catering\",\"leads\"]", {1, 2, 4}, "approved", 0, NULL},
		{"Bakllava for the holidays", "Bakllava me arra për festat 🎄 Porositë hapen më 1 dhjetor.", "image",
		 "[\"holidays\"]", {1, 2, 3}, "in_review", 0, NULL},
		{"Sourdough class", "Mëso të bësh bukë me maja natyrale: kurs i shkurtër të shtunën në mëngjes.", "text",
		 "[\"events\"]", {1, 3}, "draft", 0, NULL},
	};
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof hotel_posts / sizeof hotel_posts[0]; i++)
		rc = add_post(st, hotel, hc, &hotel_posts[i], &luan, &mira, &ana, &arben, e);
	for (size_t i = 0; !rc && i < sizeof bakery_posts / sizeof bakery_posts[0]; i++)
		rc = add_post(st, bakery, bc, &bakery_posts[i], &mira, &mira, &elira, &arben, e);
	return rc;
}

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
	struct workspace hotel = {0}, bakery = {0};
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
		rc = demo_content(st, ids, hotel.id, bakery.id, e);
	if (!rc)
		*created = 1;
	return rc;
}
