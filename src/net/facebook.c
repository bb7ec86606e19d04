/* facebook: publish to a Facebook Page through the Graph API. Text (and a
 * link card) goes to POST /{page-id}/feed; images are first uploaded as
 * unpublished photos (POST /{page-id}/photos with the image's public URL
 * and alt text, published=false) and then attached to one feed post with
 * attached_media. A first comment is POST /{post-id}/comments. Pages have
 * no threads: a variant with one is refused.
 *
 * Credentials: secrets.access_token (a user or a Page token) and the Page
 * id in secrets.page_id or the handle. /feed wants a Page token: it is
 * asked for once (GET /{page-id}?fields=access_token) and kept in the
 * sealed account state. Exactly once: the Graph API has no idempotency
 * key, so every step's id is recorded in the state under the variant's
 * key (a retry never makes a second post), and after a call whose outcome
 * is unknown the Page's recent posts are read back and matched on the
 * exact message and time. */
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
	size_t max_media;	/* images on one post */
	long max_chars;		/* the Page post's length */
	int64_t match_slack_ms; /* a read-back post this much older than the due time is not ours */
	int read_back;		/* recent posts read back */
} FB = {
    .base = "https://graph.facebook.com/v24.0",
    .max_media = 10,
    .max_chars = 63206,
    .match_slack_ms = 10 * 60 * 1000,
    .read_back = 25,
};

struct fb {
	struct graph g;
	char page[72];
};

static int fb_init(struct fb *f, struct net_account *a, struct net_result *r)
{
	if (graph_init(&f->g, "Facebook", a, FB.base, r) != 0)
		return -1;
	const char *page = net_jstr(a->secrets, "page_id");
	if (!page)
		page = a->handle;
	if (!graph_id_ok(page)) {
		net_set(r, NET_FAIL, "graph.no_page", "the Facebook channel names no Page id: connect it again");
		return -1;
	}
	str_copy(f->page, page, sizeof f->page);
	return 0;
}

/* Switch f to the Page token: the one kept in the state, else the one the
 * Graph API gives for the stored token (cached), else the stored token
 * itself (already a Page token). */
static enum net_outcome page_token(struct fb *f, struct net_account *a, struct net_result *r)
{
	const char *cached = net_jstr(a->state, "page_token");
	if (!cached) {
		char path[200];
		snprintf(path, sizeof path, "/%s?fields=access_token", f->page);
		json_t *pg = NULL;
		enum net_outcome o = graph_call(&f->g, "GET", path, NULL, 0, &pg, r);
		if (o != NET_OK)
			return o;
		const char *t = net_jstr(pg, "access_token");
		if (t && *t) {
			if (!json_is_object(a->state)) {
				a->state = json_object();
			}
			json_object_set_new(a->state, "page_token", json_string(t));
			a->state_changed = 1;
		}
		json_decref(pg);
		cached = net_jstr(a->state, "page_token");
	}
	if (cached) {
		f->g.other = f->g.token;
		f->g.token = cached;
	}
	return NET_OK;
}

/* A dead Page token is dropped so that a reconnect gets a fresh one. */
static void forget_token(struct net_account *a, enum net_outcome o)
{
	if (o == NET_AUTH && json_object_get(a->state, "page_token")) {
		json_object_del(a->state, "page_token");
		a->state_changed = 1;
	}
}

/* The message as posted: with images the link card cannot show, so a link
 * not already in the text goes after it. */
static char *message_of(const struct net_post *p)
{
	struct buf b = BUF_INIT(0);
	buf_adds(&b, p->text ? p->text : "");
	int media = json_array_size(p->media) > 0;
	if (media && p->link && *p->link && !strstr(buf_cstr(&b), p->link))
		buf_addf(&b, "%s%s", b.len ? "\n\n" : "", p->link);
	return buf_steal(&b);
}

static int check_post(const struct net_post *p, struct net_result *r)
{
	if (!p->idempotency_key || !*p->idempotency_key) {
		net_set(r, NET_FAIL, "graph.no_key", "a post needs an idempotency key");
		return -1;
	}
	if (json_array_size(p->thread) > 0) {
		net_set(r, NET_FAIL, "graph.thread_unsupported",
			  "Facebook Pages have no threads: put the thread in one post for this channel");
		return -1;
	}
	if (json_array_size(p->media) > FB.max_media) {
		net_set(r, NET_FAIL, "graph.too_many_media", "a Facebook post carries at most %zu images",
			  FB.max_media);
		return -1;
	}
	size_t i;
	json_t *m;
	json_array_foreach(p->media, i, m)
	{
		const char *mime = net_jstr(m, "mime");
		if (!mime || !str_starts(mime, "image/")) {
			net_set(r, NET_FAIL, "graph.media_type", "kanal posts only images to Facebook for now");
			return -1;
		}
		if (!net_jstr(m, "url")) {
			net_set(r, NET_FAIL, "graph.no_public_url",
				  "Facebook fetches images from kanal's public address: set KANAL_PUBLIC_URL");
			return -1;
		}
	}
	return 0;
}

static void post_url(const char *id, char *out, size_t size)
{
	snprintf(out, size, "https://www.facebook.com/%s", id);
}

/* The unpublished photos, then the feed post. Each id is noted at once. */
static enum net_outcome make_post(struct fb *f, struct net_account *a, const struct net_post *p, json_t *prog,
				  struct net_result *r)
{
	size_t i;
	json_t *m;
	char path[200], k[32];
	json_array_foreach(p->media, i, m)
	{
		snprintf(k, sizeof k, "photo%zu", i);
		if (net_jstr(prog, k))
			continue;
		json_t *form = json_pack("{ss sb}", "url", net_jstr(m, "url"), "published", 0);
		const char *alt = net_jstr(m, "alt");
		if (alt && *alt)
			json_object_set_new(form, "alt_text_custom", json_string(alt));
		snprintf(path, sizeof path, "/%s/photos", f->page);
		json_t *ph = NULL;
		/* An unpublished photo nobody sees: making it twice is harmless. */
		enum net_outcome o = graph_call(&f->g, "POST", path, form, 0, &ph, r);
		json_decref(form);
		if (o != NET_OK)
			return o;
		const char *id = net_jstr(ph, "id");
		if (!graph_id_ok(id)) {
			json_decref(ph);
			net_set(r, NET_RETRY, "graph.bad_answer", "Facebook answered a photo without an id");
			return NET_RETRY;
		}
		graph_note(a, prog, k, id);
		json_decref(ph);
	}
	char *msg = message_of(p);
	json_t *form = json_pack("{ss}", "message", msg);
	free(msg);
	if (json_array_size(p->media) == 0 && p->link && *p->link)
		json_object_set_new(form, "link", json_string(p->link));
	json_array_foreach(p->media, i, m)
	{
		char name[48], val[120];
		snprintf(k, sizeof k, "photo%zu", i);
		snprintf(name, sizeof name, "attached_media[%zu]", i);
		snprintf(val, sizeof val, "{\"media_fbid\":\"%s\"}", net_jstr(prog, k));
		json_object_set_new(form, name, json_string(val));
	}
	snprintf(path, sizeof path, "/%s/feed", f->page);
	json_t *post = NULL;
	enum net_outcome o = graph_call(&f->g, "POST", path, form, 1, &post, r);
	json_decref(form);
	if (o != NET_OK)
		return o;
	const char *id = net_jstr(post, "id");
	if (!graph_id_ok(id)) {
		json_decref(post);
		net_set(r, NET_UNKNOWN, "graph.bad_answer", "Facebook answered the post without an id");
		return NET_UNKNOWN;
	}
	graph_note(a, prog, "post", id);
	json_decref(post);
	return NET_OK;
}

static int publish(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct fb f;
	if (fb_init(&f, a, r) != 0 || check_post(p, r) != 0)
		return r->outcome;
	enum net_outcome o = page_token(&f, a, r);
	json_t *prog = o == NET_OK ? graph_progress(a, p->idempotency_key) : NULL;
	if (o == NET_OK && !net_jstr(prog, "post"))
		o = make_post(&f, a, p, prog, r);
	if (o == NET_OK && p->first_comment && *p->first_comment && !net_jstr(prog, "comment")) {
		char path[200];
		snprintf(path, sizeof path, "/%s/comments", net_jstr(prog, "post"));
		json_t *form = json_pack("{ss}", "message", p->first_comment), *c = NULL;
		o = graph_call(&f.g, "POST", path, form, 1, &c, r);
		json_decref(form);
		if (o == NET_OK && graph_id_ok(net_jstr(c, "id")))
			graph_note(a, prog, "comment", net_jstr(c, "id"));
		json_decref(c);
		/* A refused comment does not undo the post that is out. */
		if (o == NET_FAIL)
			o = NET_OK;
	}
	forget_token(a, o);
	if (o == NET_OK) {
		char url[200];
		post_url(net_jstr(prog, "post"), url, sizeof url);
		graph_ok(r, net_jstr(prog, "post"), url);
	}
	return o;
}

/* Read back the Page's recent posts: one with this message, made around
 * the due time or later, is ours. */
static int find_published(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct fb f;
	if (fb_init(&f, a, r) != 0 || check_post(p, r) != 0)
		return -1;
	json_t *prog = graph_progress(a, p->idempotency_key);
	char url[200];
	if (net_jstr(prog, "post")) {
		post_url(net_jstr(prog, "post"), url, sizeof url);
		graph_ok(r, net_jstr(prog, "post"), url);
		return 1;
	}
	enum net_outcome o = page_token(&f, a, r);
	char path[160];
	snprintf(path, sizeof path, "/%s/posts?fields=id,message,created_time&limit=%d", f.page, FB.read_back);
	json_t *list = NULL;
	if (o == NET_OK)
		o = graph_call(&f.g, "GET", path, NULL, 0, &list, r);
	forget_token(a, o);
	if (o != NET_OK)
		return -1;
	char *msg = message_of(p);
	int found = 0;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(list, "data"), i, it)
	{
		const char *m = net_jstr(it, "message"), *id = net_jstr(it, "id");
		int64_t at = graph_time(net_jstr(it, "created_time"));
		if (!found && m && strcmp(m, msg) == 0 && graph_id_ok(id) &&
		    at >= p->created_at_ms - FB.match_slack_ms) {
			graph_note(a, prog, "post", id);
			post_url(id, url, sizeof url);
			graph_ok(r, id, url);
			found = 1;
		}
	}
	free(msg);
	json_decref(list);
	return found;
}

static int remove_post(struct net_account *a, const char *remote_id, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct fb f;
	if (fb_init(&f, a, r) != 0)
		return r->outcome;
	if (!graph_id_ok(remote_id)) {
		net_set(r, NET_FAIL, "graph.invalid_id", "not a Facebook post id");
		return r->outcome;
	}
	enum net_outcome o = page_token(&f, a, r);
	char path[100];
	snprintf(path, sizeof path, "/%s", remote_id);
	json_t *ans = NULL;
	if (o == NET_OK)
		o = graph_call(&f.g, "DELETE", path, NULL, 1, &ans, r);
	json_decref(ans);
	forget_token(a, o);
	if (o == NET_OK)
		graph_ok(r, remote_id, NULL);
	return o;
}

static int limits(struct net_account *a, json_t **out, struct net_result *r)
{
	(void)a;
	(void)r;
	*out = json_pack("{sI sI}", "max_chars", (json_int_t)FB.max_chars, "max_media", (json_int_t)FB.max_media);
	return 0;
}

const struct connector conn_facebook = {
    .network = "facebook",
    .publish = publish,
    .find_published = find_published,
    .remove = remove_post,
    .limits = limits,
    .refresh = oauth2_refresh_account, /* net/oauth2.c: the network's documented renewal */
};
