/* threads: publish to Threads through its Graph API: each part is a media
 * container (POST /{threads-user-id}/threads with media_type TEXT, IMAGE
 * or CAROUSEL, text, image_url and alt_text, reply_to_id for the parts
 * after the first), its status read until FINISHED, then POST
 * /{threads-user-id}/threads_publish {creation_id}. A thread's parts each
 * reply to the one before; a first comment replies to the first post. The
 * variant's link goes into the first part's text (Threads makes a preview
 * of the first URL) unless the text has it already. Images are fetched by
 * Threads from kanal's signed public media URL.
 *
 * Credentials: secrets.access_token; the Threads user id in
 * secrets.threads_user_id, else asked once (GET /me?fields=id,username)
 * and kept in the account state. Exactly once: every container and
 * published id is recorded in the state under the variant's key (part i:
 * ci, pi), so a retry goes on from the first part not yet out; after a
 * call whose outcome is unknown the account's recent threads and replies
 * are read back and matched on the exact text and time. */
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
	size_t max_parts;	/* a thread longer than this is refused */
	size_t max_media;	/* carousel items */
	long max_chars;		/* one part */
	long posts_per_day;	/* 24 h moving */
	int64_t match_slack_ms; /* a read-back post this much older than the due time is not ours */
	int read_back;		/* recent posts read back */
} TH = {
    .base = "https://graph.threads.net/v1.0",
    .max_parts = 25,
    .max_media = 20,
    .max_chars = 500,
    .posts_per_day = 250,
    .match_slack_ms = 10 * 60 * 1000,
    .read_back = 25,
};

struct th {
	struct graph g;
	char user[72];
};

static int th_init(struct th *s, struct net_account *a, struct net_result *r)
{
	if (graph_init(&s->g, "Threads", a, TH.base, r) != 0)
		return -1;
	s->user[0] = '\0';
	return 0;
}

/* The Threads user id: from the secrets, the state, or /me (kept). */
static enum net_outcome user_id(struct th *s, struct net_account *a, struct net_result *r)
{
	const char *u = net_jstr(a->secrets, "threads_user_id");
	if (!u)
		u = net_jstr(a->state, "user_id");
	if (u && graph_id_ok(u)) {
		str_copy(s->user, u, sizeof s->user);
		return NET_OK;
	}
	json_t *me = NULL;
	enum net_outcome o = graph_call(&s->g, "GET", "/me?fields=id,username", NULL, 0, &me, r);
	if (o != NET_OK)
		return o;
	u = net_jstr(me, "id");
	if (!graph_id_ok(u)) {
		json_decref(me);
		net_set(r, NET_RETRY, "graph.bad_answer", "Threads answered /me without an id");
		return NET_RETRY;
	}
	str_copy(s->user, u, sizeof s->user);
	if (!json_is_object(a->state))
		a->state = json_object();
	json_object_set_new(a->state, "user_id", json_string(u));
	a->state_changed = 1;
	json_decref(me);
	return NET_OK;
}

struct parts {
	size_t n;	/* all parts, the first comment included */
	size_t nthread; /* the post and its thread */
	char **text;	/* owned */
};

static void parts_free(struct parts *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->text[i]);
	free(ps->text);
}

static int collect(const struct net_post *p, struct parts *ps, struct net_result *r)
{
	memset(ps, 0, sizeof *ps);
	if (!p->idempotency_key || !*p->idempotency_key) {
		net_set(r, NET_FAIL, "graph.no_key", "a post needs an idempotency key");
		return -1;
	}
	size_t nt = json_array_size(p->thread), nm = json_array_size(p->media);
	if (1 + nt > TH.max_parts) {
		net_set(r, NET_FAIL, "graph.thread_too_long", "a Threads thread has at most %zu parts here",
			  TH.max_parts);
		return -1;
	}
	if (nm > TH.max_media) {
		net_set(r, NET_FAIL, "graph.too_many_media", "a Threads post carries at most %zu images",
			  TH.max_media);
		return -1;
	}
	size_t i;
	json_t *m;
	json_array_foreach(p->media, i, m)
	{
		const char *mime = net_jstr(m, "mime");
		if (!mime || !str_starts(mime, "image/")) {
			net_set(r, NET_FAIL, "graph.media_type", "kanal posts only images to Threads for now");
			return -1;
		}
		if (!net_jstr(m, "url")) {
			net_set(r, NET_FAIL, "graph.no_public_url",
				  "Threads fetches images from kanal's public address: set KANAL_PUBLIC_URL");
			return -1;
		}
	}
	ps->text = xcalloc(nt + 2, sizeof *ps->text);
	struct buf b = BUF_INIT(0);
	buf_adds(&b, p->text ? p->text : "");
	if (p->link && *p->link && !strstr(buf_cstr(&b), p->link))
		buf_addf(&b, "%s%s", b.len ? "\n\n" : "", p->link);
	ps->text[ps->n++] = buf_steal(&b);
	json_array_foreach(p->thread, i, m)
	{
		const char *t = json_is_string(m) ? json_string_value(m) : net_jstr(m, "text");
		if (!t || !*t) {
			net_set(r, NET_FAIL, "graph.invalid_thread", "a part of the thread has no text");
			return -1;
		}
		ps->text[ps->n++] = xstrdup(t);
	}
	ps->nthread = ps->n;
	if (p->first_comment && *p->first_comment)
		ps->text[ps->n++] = xstrdup(p->first_comment);
	if (nm == 0 && !*ps->text[0]) {
		net_set(r, NET_FAIL, "graph.empty", "a Threads post needs text or an image");
		return -1;
	}
	return 0;
}

static enum net_outcome container(struct th *s, struct net_account *a, json_t *prog, const char *k, json_t *form,
				  struct net_result *r)
{
	char path[200];
	snprintf(path, sizeof path, "/%s/threads", s->user);
	json_t *c = NULL;
	/* A container is not a post: one made twice is never published twice. */
	enum net_outcome o = graph_call(&s->g, "POST", path, form, 0, &c, r);
	json_decref(form);
	if (o != NET_OK)
		return o;
	const char *id = net_jstr(c, "id");
	if (!graph_id_ok(id)) {
		json_decref(c);
		net_set(r, NET_RETRY, "graph.bad_answer", "Threads answered a container without an id");
		return NET_RETRY;
	}
	graph_note(a, prog, k, id);
	json_decref(c);
	return NET_OK;
}

static json_t *image_form(json_t *m)
{
	json_t *f = json_pack("{ss ss}", "media_type", "IMAGE", "image_url", net_jstr(m, "url"));
	const char *alt = net_jstr(m, "alt");
	if (alt && *alt)
		json_object_set_new(f, "alt_text", json_string(alt));
	return f;
}

/* Part i's container, made unless recorded. */
static enum net_outcome make_container(struct th *s, struct net_account *a, const struct net_post *p,
				       const struct parts *ps, size_t i, json_t *prog, struct net_result *r)
{
	char ck[24];
	snprintf(ck, sizeof ck, "c%zu", i);
	if (net_jstr(prog, ck))
		return NET_OK;
	size_t nm = i == 0 ? json_array_size(p->media) : 0;
	json_t *f;
	enum net_outcome o = NET_OK;
	if (nm == 1) {
		f = image_form(json_array_get(p->media, 0));
	} else if (nm > 1) {
		struct buf children = BUF_INIT(0);
		for (size_t k = 0; k < nm && o == NET_OK; k++) {
			char kk[32];
			snprintf(kk, sizeof kk, "k%zu", k);
			if (!net_jstr(prog, kk)) {
				json_t *cf = image_form(json_array_get(p->media, k));
				json_object_set_new(cf, "is_carousel_item", json_true());
				o = container(s, a, prog, kk, cf, r);
			}
			if (o == NET_OK)
				buf_addf(&children, "%s%s", k ? "," : "", net_jstr(prog, kk));
		}
		if (o != NET_OK) {
			buf_free(&children);
			return o;
		}
		f = json_pack("{ss ss}", "media_type", "CAROUSEL", "children", buf_cstr(&children));
		buf_free(&children);
	} else {
		f = json_pack("{ss}", "media_type", "TEXT");
	}
	if (*ps->text[i])
		json_object_set_new(f, "text", json_string(ps->text[i]));
	if (i > 0) {
		/* a thread's part replies to the one before; the first comment to the post */
		char pk[32];
		snprintf(pk, sizeof pk, "p%zu", i < ps->nthread ? i - 1 : 0);
		json_object_set_new(f, "reply_to_id", json_string(net_jstr(prog, pk)));
	}
	return container(s, a, prog, ck, f, r);
}

/* Recent posts (edge "threads") or replies (edge "replies") of the user:
 * one with this text, made around the due time or later, is ours. 1 found
 * (noted as pk), 0 not there, -1 cannot tell. */
static int read_back(struct th *s, struct net_account *a, const struct net_post *p, const char *edge, const char *text,
		     json_t *prog, const char *pk, struct net_result *r)
{
	char path[200];
	snprintf(path, sizeof path, "/%s/%s?fields=id,text,timestamp,permalink&limit=%d", s->user, edge, TH.read_back);
	json_t *list = NULL;
	if (graph_call(&s->g, "GET", path, NULL, 0, &list, r) != NET_OK)
		return -1;
	int found = 0;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(list, "data"), i, it)
	{
		const char *t = net_jstr(it, "text"), *id = net_jstr(it, "id");
		int64_t at = graph_time(net_jstr(it, "timestamp"));
		if (!found && strcmp(t ? t : "", text) == 0 && graph_id_ok(id) &&
		    at >= p->created_at_ms - TH.match_slack_ms) {
			graph_note(a, prog, pk, id);
			if (strcmp(pk, "p0") == 0 && net_jstr(it, "permalink"))
				graph_note(a, prog, "permalink", net_jstr(it, "permalink"));
			found = 1;
		}
	}
	json_decref(list);
	return found;
}

static enum net_outcome publish_part(struct th *s, struct net_account *a, const struct net_post *p,
				     const struct parts *ps, size_t i, json_t *prog, struct net_result *r)
{
	char ck[32], pk[32];
	snprintf(ck, sizeof ck, "c%zu", i);
	snprintf(pk, sizeof pk, "p%zu", i);
	int gone = 0, published = 0;
	enum net_outcome o = graph_wait_container(&s->g, net_jstr(prog, ck), "status", &gone, &published, r);
	if (gone) {
		json_object_del(prog, ck);
		a->state_changed = 1;
	}
	if (o != NET_OK)
		return o;
	if (published) {
		/* An earlier threads_publish went through and its answer was lost. */
		if (read_back(s, a, p, i == 0 ? "threads" : "replies", ps->text[i], prog, pk, r) > 0)
			return NET_OK;
		net_set(r, NET_UNKNOWN, "graph.unconfirmed",
			  "Threads says the post was published but kanal cannot find it: check the account");
		return NET_UNKNOWN;
	}
	char path[200];
	snprintf(path, sizeof path, "/%s/threads_publish", s->user);
	json_t *form = json_pack("{ss}", "creation_id", net_jstr(prog, ck)), *m = NULL;
	o = graph_call(&s->g, "POST", path, form, 1, &m, r);
	json_decref(form);
	if (o == NET_OK) {
		const char *id = net_jstr(m, "id");
		if (graph_id_ok(id)) {
			graph_note(a, prog, pk, id);
		} else {
			o = NET_UNKNOWN;
			net_set(r, o, "graph.bad_answer", "Threads answered the publication without an id");
		}
	}
	json_decref(m);
	return o;
}

static void result_of(struct th *s, struct net_account *a, json_t *prog, struct net_result *r)
{
	char url[400] = "";
	if (net_jstr(prog, "permalink")) {
		str_copy(url, net_jstr(prog, "permalink"), sizeof url);
	} else {
		char path[200];
		struct net_result ignored;
		memset(&ignored, 0, sizeof ignored);
		snprintf(path, sizeof path, "/%s?fields=permalink", net_jstr(prog, "p0"));
		json_t *m = NULL;
		if (graph_call(&s->g, "GET", path, NULL, 0, &m, &ignored) == NET_OK && net_jstr(m, "permalink")) {
			str_copy(url, net_jstr(m, "permalink"), sizeof url);
			graph_note(a, prog, "permalink", url);
		}
		json_decref(m);
	}
	graph_ok(r, net_jstr(prog, "p0"), url[0] ? url : NULL);
}

static int publish(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct th s;
	struct parts ps;
	if (th_init(&s, a, r) != 0)
		return r->outcome;
	if (collect(p, &ps, r) != 0) {
		parts_free(&ps);
		return r->outcome;
	}
	enum net_outcome o = user_id(&s, a, r);
	json_t *prog = o == NET_OK ? graph_progress(a, p->idempotency_key) : NULL;
	for (size_t i = 0; i < ps.n && o == NET_OK; i++) {
		char pk[32];
		snprintf(pk, sizeof pk, "p%zu", i);
		if (net_jstr(prog, pk))
			continue;
		o = make_container(&s, a, p, &ps, i, prog, r);
		if (o == NET_OK)
			o = publish_part(&s, a, p, &ps, i, prog, r);
		/* A refused first comment does not undo the thread that is out. */
		if (o == NET_FAIL && i >= ps.nthread)
			o = NET_OK;
	}
	if (o == NET_OK)
		result_of(&s, a, prog, r);
	parts_free(&ps);
	return o;
}

/* Every part recorded: found. Else read back, in order, the parts not
 * recorded; those found are noted. All found: 1. The first one missing
 * with the ones before it out: 0 — a retry goes on from there. */
static int find_published(struct net_account *a, const struct net_post *p, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct th s;
	struct parts ps;
	if (th_init(&s, a, r) != 0 || collect(p, &ps, r) != 0 || user_id(&s, a, r) != NET_OK) {
		parts_free(&ps);
		return -1;
	}
	json_t *prog = graph_progress(a, p->idempotency_key);
	int found = 1;
	for (size_t i = 0; i < ps.n && found > 0; i++) {
		char pk[32];
		snprintf(pk, sizeof pk, "p%zu", i);
		if (!net_jstr(prog, pk))
			found = read_back(&s, a, p, i == 0 ? "threads" : "replies", ps.text[i], prog, pk, r);
	}
	if (found > 0)
		result_of(&s, a, prog, r);
	parts_free(&ps);
	return found;
}

static int remove_post(struct net_account *a, const char *remote_id, struct net_result *r)
{
	memset(r, 0, sizeof *r);
	struct th s;
	if (th_init(&s, a, r) != 0)
		return r->outcome;
	if (!graph_id_ok(remote_id)) {
		net_set(r, NET_FAIL, "graph.invalid_id", "not a Threads post id");
		return r->outcome;
	}
	char path[100];
	snprintf(path, sizeof path, "/%s", remote_id);
	json_t *ans = NULL;
	enum net_outcome o = graph_call(&s.g, "DELETE", path, NULL, 1, &ans, r);
	json_decref(ans);
	if (o == NET_OK)
		graph_ok(r, remote_id, NULL);
	return o;
}

static int limits(struct net_account *a, json_t **out, struct net_result *r)
{
	(void)a;
	(void)r;
	*out = json_pack("{sI sI sI}", "max_chars", (json_int_t)TH.max_chars, "max_media", (json_int_t)TH.max_media,
			 "posts_per_day", (json_int_t)TH.posts_per_day);
	return 0;
}

const struct connector conn_threads = {
    .network = "threads",
    .publish = publish,
    .find_published = find_published,
    .remove = remove_post,
    .limits = limits,
    .refresh = oauth2_refresh_account, /* net/oauth2.c: the network's documented renewal */
};
