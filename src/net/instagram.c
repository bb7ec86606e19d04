/* instagram: publish to an Instagram professional account through the
 * Graph API's content publishing: a media container per image (POST
 * /{ig-user-id}/media with image_url, alt_text and the caption; for a
 * carousel one container per item with is_carousel_item, then a CAROUSEL
 * container naming them as children), its status_code read until
 * FINISHED, then POST /{ig-user-id}/media_publish {creation_id}. A first
 * comment is POST /{ig-media-id}/comments. Instagram fetches each image
 * from kanal's signed public media URL (a JPEG rendition).
 *
 * A caption's links are not clickable on Instagram: kanal adds nothing
 * for the variant's link (the text is posted as the user wrote it).
 * Instagram has no text-only posts and no threads: such variants are
 * refused with a reason.
 *
 * Credentials: secrets.access_token; the account in secrets.ig_user_id or
 * the handle. Exactly once: every container and the published media id
 * are recorded in the account state under the variant's key, so a retry
 * reuses a container made earlier instead of making another, and never
 * publishes twice; after a call whose outcome is unknown the container's
 * status and the account's recent media decide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "net/connector.h"
#include "net/graph.h"
#include "net/oauth2.h"

/* Every limit and constant in one place. */
static const struct {
	const char *base;	/* the API root when the account names none */
	size_t max_media;	/* carousel items */
	long max_chars;		/* caption */
	long posts_per_day;	/* content_publishing_limit's quota_total, 24 h moving */
	int64_t match_slack_ms; /* a read-back media this much older than the due time is not ours */
	int read_back;		/* recent media read back */
} IG = {
    .base = "https://graph.facebook.com/v24.0",
    .max_media = 10,
    .max_chars = 2200,
    .posts_per_day = 50,
    .match_slack_ms = 10 * 60 * 1000,
    .read_back = 25,
};

struct ig {
	struct graph g;
	char user[72];
};

static int ig_init(struct ig *s, struct net_account *a, struct net_result *r)
{
	if (graph_init(&s->g, "Instagram", a, IG.base, r) != 0)
		return -1;
	const char *u = net_jstr(a->secrets, "ig_user_id");
	if (!u)
		u = a->handle;
	if (!graph_id_ok(u)) {
		net_set(r, NET_FAIL, "graph.no_account",
			  "the Instagram channel names no account id: connect it again");
		return -1;
	}
	str_copy(s->user, u, sizeof s->user);
	return 0;
}

static int check_post(const struct net_post *p, struct net_result *r)
{
	if (!p->idempotency_key || !*p->idempotency_key) {
		net_set(r, NET_FAIL, "graph.no_key", "a post needs an idempotency key");
		return -1;
	}
	if (json_array_size(p->thread) > 0) {
		net_set(r, NET_FAIL, "graph.thread_unsupported", "Instagram has no threads: make it one post");
		return -1;
	}
	size_t n = json_array_size(p->media);
	if (n == 0) {
		net_set(r, NET_FAIL, "graph.media_required", "an Instagram post needs at least one image");
		return -1;
	}
	if (n > IG.max_media) {
		net_set(r, NET_FAIL, "graph.too_many_media", "an Instagram carousel has at most %zu items",
			  IG.max_media);
		return -1;
	}
	size_t i;
	json_t *m;
	json_array_foreach(p->media, i, m)
	{
		const char *mime = net_jstr(m, "mime");
		if (!mime || !str_starts(mime, "image/")) {
			net_set(r, NET_FAIL, "graph.media_type", "kanal posts only images to Instagram for now");
			return -1;
		}
		if (!net_jstr(m, "url")) {
			net_set(r, NET_FAIL, "graph.no_public_url",
				  "Instagram fetches images from kanal's public address: set KANAL_PUBLIC_URL");
			return -1;
		}
	}
	return 0;
}

static const char *caption_of(const struct net_post *p)
{
	return p->text ? p->text : "";
}

/* One container; its id is noted under k at once. */
static enum net_outcome container(struct ig *s, struct net_account *a, json_t *prog, const char *k, json_t *form,
				  struct net_result *r)
{
	char path[200];
	snprintf(path, sizeof path, "/%s/media", s->user);
	json_t *c = NULL;
	/* A container is not a post: one made twice is never published twice. */
	enum net_outcome o = graph_call(&s->g, "POST", path, form, 0, &c, r);
	json_decref(form);
	if (o != NET_OK)
		return o;
	const char *id = net_jstr(c, "id");
	if (!graph_id_ok(id)) {
		json_decref(c);
		net_set(r, NET_RETRY, "graph.bad_answer", "Instagram answered a container without an id");
		return NET_RETRY;
	}
	graph_note(a, prog, k, id);
	json_decref(c);
	return NET_OK;
}

static json_t *image_form(json_t *m)
{
	json_t *f = json_pack("{ss}", "image_url", net_jstr(m, "url"));
	const char *alt = net_jstr(m, "alt");
	if (alt && *alt)
		json_object_set_new(f, "alt_text", json_string(alt));
	return f;
}

/* The container to publish: made (with its children) unless recorded. */
static enum net_outcome make_container(struct ig *s, struct net_account *a, const struct net_post *p, json_t *prog,
				       struct net_result *r)
{
	if (net_jstr(prog, "container"))
		return NET_OK;
	size_t n = json_array_size(p->media);
	if (n == 1) {
		json_t *f = image_form(json_array_get(p->media, 0));
		json_object_set_new(f, "caption", json_string(caption_of(p)));
		return container(s, a, prog, "container", f, r);
	}
	struct buf children = BUF_INIT(0);
	enum net_outcome o = NET_OK;
	for (size_t i = 0; i < n && o == NET_OK; i++) {
		char k[32];
		snprintf(k, sizeof k, "child%zu", i);
		if (!net_jstr(prog, k)) {
			json_t *f = image_form(json_array_get(p->media, i));
			json_object_set_new(f, "is_carousel_item", json_true());
			o = container(s, a, prog, k, f, r);
		}
		int gone = 0, published = 0;
		if (o == NET_OK)
			o = graph_wait_container(&s->g, net_jstr(prog, k), "status_code", &gone, &published, r);
		if (gone) {
			json_object_del(prog, k);
			a->state_changed = 1;
		}
		if (o == NET_OK)
			buf_addf(&children, "%s%s", i ? "," : "", net_jstr(prog, k));
	}
	if (o == NET_OK) {
		json_t *f = json_pack("{ss ss ss}", "media_type", "CAROUSEL", "children", buf_cstr(&children),
				      "caption", caption_of(p));
		o = container(s, a, prog, "container", f, r);
	}
	buf_free(&children);
	return o;
}

/* The permalink of a published media (best effort). */
static void permalink(struct ig *s, const char *id, char *out, size_t size)
{
	char path[200];
	struct net_result ignored;
	memset(&ignored, 0, sizeof ignored);
	snprintf(path, sizeof path, "/%s?fields=permalink", id);
	json_t *m = NULL;
	out[0] = '\0';
	if (graph_call(&s->g, "GET", path, NULL, 0, &m, &ignored) == NET_OK && net_jstr(m, "permalink"))
		str_copy(out, net_jstr(m, "permalink"), size);
	json_decref(m);
}

/* The account's recent media: one with this caption, made around the due
 * time or later, is ours. 1 found (noted), 0 not there, -1 cannot tell. */
static int read_back(struct ig *s, struct net_account *a, const struct net_post *p, json_t *prog, struct net_result *r)
{
	char path[160];
	snprintf(path, sizeof path, "/%s/media?fields=id,caption,timestamp,permalink&limit=%d", s->user, IG.read_back);
	json_t *list = NULL;
	if (graph_call(&s->g, "GET", path, NULL, 0, &list, r) != NET_OK)
		return -1;
	int found = 0;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(list, "data"), i, it)
	{
		const char *c = net_jstr(it, "caption"), *id = net_jstr(it, "id");
		int64_t at = graph_time(net_jstr(it, "timestamp"));
		if (!found && strcmp(c ? c : "", caption_of(p)) == 0 && graph_id_ok(id) &&
		    at >= p->created_at_ms - IG.match_slack_ms) {
			graph_note(a, prog, "media", id);
			if (net_jstr(it, "permalink"))
				graph_note(a, prog, "permalink", net_jstr(it, "permalink"));
			found = 1;
		}
	}
	json_decref(list);
	return found;
}

static enum net_outcome publish_container(struct ig *s, struct net_account *a, const struct net_post *p, json_t *prog,
					  struct net_result *r)
{
	int gone = 0, published = 0;
	enum net_outcome o =
	    graph_wait_container(&s->g, net_jstr(prog, "container"), "status_code", &gone, &published, r);
	if (gone) {
		/* An expired container is made again (its children too). */
		json_object_del(prog, "container");
		for (size_t i = 0; i < IG.max_media; i++) {
			char k[32];
			snprintf(k, sizeof k, "child%zu", i);
			json_object_del(prog, k);
		}
		a->state_changed = 1;
	}
	if (o != NET_OK)
		return o;
	if (published) {
		/* An earlier media_publish went through and its answer was lost. */
		int f = read_back(s, a, p, prog, r);
		if (f > 0)
			return NET_OK;
		net_set(r, NET_UNKNOWN, "graph.unconfirmed",
			  "Instagram says the post was published but kanal cannot find it: check the account");
		return NET_UNKNOWN;
	}
	char path[200];
	snprintf(path, sizeof path, "/%s/media_publish", s->user);
	json_t *form = json_pack("{ss}", "creation_id", net_jstr(prog, "container")), *m = NULL;
	o = graph_call(&s->g, "POST", path, form, 1, &m, r);
	json_decref(form);
	if (o == NET_OK) {
		const char *id = net_jstr(m, "id");
		if (graph_id_ok(id)) {
			graph_note(a, prog, "media", id);
		} else {
			o = NET_UNKNOWN;
			net_set(r, o, "graph.bad_answer", "Instagram answered the publication without an id");
		}
	}
	json_decref(m);
	return o;
}

static void result_of(struct ig *s, struct net_account *a, json_t *prog, struct net_result *r)
{
	char url[400];
	if (net_jstr(prog, "permalink")) {
		str_copy(url, net_jstr(prog, "permalink"), sizeof url);
	} else {
		permalink(s, net_jstr(prog, "media"), url, sizeof url);
		if (url[0])
			graph_note(a, prog, "permalink", url);
	}
	graph_ok(r, net_jstr(prog, "media"), url[0] ? url : NULL);
}

static int publish(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct ig s;
	if (ig_init(&s, a, r) != 0 || check_post(p, r) != 0)
		return r->outcome;
	json_t *prog = graph_progress(a, p->idempotency_key);
	enum net_outcome o = NET_OK;
	if (!net_jstr(prog, "media")) {
		o = make_container(&s, a, p, prog, r);
		if (o == NET_OK)
			o = publish_container(&s, a, p, prog, r);
	}
	if (o == NET_OK && p->first_comment && *p->first_comment && !net_jstr(prog, "comment")) {
		char path[200];
		snprintf(path, sizeof path, "/%s/comments", net_jstr(prog, "media"));
		json_t *form = json_pack("{ss}", "message", p->first_comment), *c = NULL;
		o = graph_call(&s.g, "POST", path, form, 1, &c, r);
		json_decref(form);
		if (o == NET_OK && graph_id_ok(net_jstr(c, "id")))
			graph_note(a, prog, "comment", net_jstr(c, "id"));
		json_decref(c);
		if (o == NET_FAIL)
			o = NET_OK; /* a refused comment does not undo the post that is out */
	}
	if (o == NET_OK)
		result_of(&s, a, prog, r);
	return o;
}

static int find_published(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct ig s;
	if (ig_init(&s, a, r) != 0 || check_post(p, r) != 0)
		return -1;
	json_t *prog = graph_progress(a, p->idempotency_key);
	if (net_jstr(prog, "media")) {
		result_of(&s, a, prog, r);
		return 1;
	}
	int f = read_back(&s, a, p, prog, r);
	if (f > 0)
		result_of(&s, a, prog, r);
	/* Not there: a retry reuses the recorded container, if any. */
	return f;
}

/* The content_publishing_limit edge says how much of the 24 h quota is
 * left; the static figures stand when it cannot be read. */
static int limits(struct net_account *a, json_t **out, struct net_result *r)
{
	*out = json_pack("{sI sI sI}", "max_chars", (json_int_t)IG.max_chars, "max_media", (json_int_t)IG.max_media,
			 "posts_per_day", (json_int_t)IG.posts_per_day);
	struct ig s;
	struct net_result ignored;
	memset(&ignored, 0, sizeof ignored);
	if (ig_init(&s, a, &ignored) != 0)
		return 0;
	char path[200];
	snprintf(path, sizeof path, "/%s/content_publishing_limit?fields=quota_usage,config", s.user);
	json_t *l = NULL;
	if (graph_call(&s.g, "GET", path, NULL, 0, &l, &ignored) == NET_OK) {
		json_t *d = json_array_get(json_object_get(l, "data"), 0);
		json_t *used = json_object_get(d, "quota_usage");
		json_t *total = json_object_get(json_object_get(d, "config"), "quota_total");
		if (json_is_integer(total))
			json_object_set(*out, "posts_per_day", total);
		if (json_is_integer(used))
			json_object_set(*out, "posts_used", used);
	}
	json_decref(l);
	(void)r;
	return 0;
}

const struct connector conn_instagram = {
    .network = "instagram",
    .publish = publish,
    .find_published = find_published,
    .limits = limits,
    .refresh = oauth2_refresh_account, /* net/oauth2.c: the network's documented renewal */
};
