// A strict local Graph API for the Facebook Pages, Instagram and Threads
// publishing tests (not a test file itself): node http on a random
// loopback port, serving graph.facebook.com under /v24.0 and
// graph.threads.net under /v1.0. It checks each request the way the
// documented API does — method, path with the version prefix, the access
// token (Authorization: Bearer, or access_token in the query or body, as
// Graph accepts; d.authVia records which), form or JSON bodies, required
// and unknown fields, text limits, that /feed gets a Page token, that a
// container is FINISHED before it is published and its children are the
// same user's carousel items — and, as Meta does, it fetches every image
// URL it is given and refuses anything that is not an image (Instagram:
// JPEG only). Containers start IN_PROGRESS and finish after a short
// while. Answers use the documented shapes: {id}, {data: [...]},
// {"error": {message, type, code, error_subcode, fbtrace_id}}, usage
// headers X-App-Usage / X-Business-Use-Case-Usage. `behave(fn)` where
// fn(d) returns { status, body, headers, hang, hangAfterCreate } decides
// what a mutating request gets before (or after, hangAfterCreate) it acts;
// d.kind names it ('fb.photo', 'fb.feed', 'fb.comment', 'ig.container',
// 'ig.publish', 'ig.comment', 'th.container', 'th.publish').
//
// Token renewal, as each network documents it (requests in `renewals`):
// GET /v24.0/oauth/access_token?grant_type=fb_exchange_token with the app's
// client_id and client_secret (option `app: {id, secret}`) and a valid user
// token; GET /refresh_access_token?grant_type=th_refresh_token with a valid
// Threads token (graph.threads.net) or grant_type=ig_refresh_token with a
// valid Instagram-login token (option `igLoginToken`, graph.instagram.com).
// Each answers {access_token, token_type: "bearer", expires_in} with a new
// token, valid from then on like the first; anything else is the Graph
// error (code 100 for a bad parameter, 101 for a bad client, 190 for a
// token that is not valid). `revokeRenewals()` makes every token given so
// far refused by the renewal endpoints (as an expired one).
import http from 'node:http';
import crypto from 'node:crypto';

const FB_MAX = 63206;
const IG_MAX = 2200;
const TH_MAX = 500;
const FINISH_MS = 150;
const emoji = /\p{Extended_Pictographic}/u;

// Threads counts an emoji as its UTF-8 bytes, every other code point as 1.
export function threadsLength(text) {
  let n = 0;
  for (const ch of String(text)) n += emoji.test(ch) ? Buffer.byteLength(ch) : 1;
  return n;
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');

export async function startGraph({ userToken, pageToken, threadsToken, pageId, igUserId, threadsUserId, threadsUsername = 'kanal', app = null, igLoginToken = null }) {
  const requests = []; // { method, path, query, headers, body, raw, authVia, kind, status, at }
  const photos = new Map(); // id -> { page, url, alt, published, attached }
  const posts = []; // Facebook posts { id, message, link, attached, created }
  const comments = []; // { id, on, message }
  const containers = new Map(); // id -> { owner, net, fields, created, status, published }
  const media = []; // Instagram media { id, caption, created, container, children }
  const threads = []; // Threads posts { id, text, created, reply_to, container }
  const fetched = []; // image URLs fetched: { url, status, type, ok }
  const hanging = new Set();
  let behaviour = () => null;
  const renewals = []; // the renewal requests, with what they got
  const renewed = { user: [], threads: [], ig: [] }; // tokens issued by renewal
  const dead = new Set(); // tokens the renewal endpoints refuse
  let next = 17840000000000000n;
  const newId = () => String(++next);
  let base;

  const send = (res, d, status, body, headers = {}) => {
    d.status = status;
    d.answer = body;
    res.writeHead(status, {
      'content-type': 'application/json; charset=UTF-8',
      'x-app-usage': JSON.stringify({ call_count: 3, total_cputime: 1, total_time: 2 }),
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
  const gerr = (res, d, status, code, message, extra = {}, headers) =>
    send(res, d, status, { error: { message, type: extra.type || 'OAuthException', code, ...extra, fbtrace_id: 'AkanalTest' } }, headers);
  const badParam = (res, d, message) => gerr(res, d, 400, 100, `(#100) ${message}`);

  // Fetch an image as Meta does: must answer 200 with an image type and
  // bytes of that type.
  async function fetchImage(url, { jpegOnly }) {
    const f = { url };
    fetched.push(f);
    try {
      const r = await fetch(url, { redirect: 'manual' });
      const buf = Buffer.from(await r.arrayBuffer());
      f.status = r.status;
      f.type = r.headers.get('content-type') || '';
      f.bytes = buf.length;
      const jpeg = buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
      const png = buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      f.ok = r.status === 200 && ((f.type === 'image/jpeg' && jpeg) || (!jpegOnly && f.type === 'image/png' && png));
    } catch (e) {
      f.error = String(e);
      f.ok = false;
    }
    return f.ok;
  }

  const only = (body, allowed) => Object.keys(body).find((k) => !allowed.includes(k) && !/^attached_media\[\d+\]$/.test(k));

  async function handle(req, res, d) {
    const url = new URL(req.url, base);
    d.query = Object.fromEntries(url.searchParams);
    if (url.pathname === '/refresh_access_token') return renew(req, res, d, 'meta');
    const m = url.pathname.match(/^\/(v24\.0|v1\.0)\/([^/]+)(?:\/([a-z_]+))?$/);
    if (!m) return gerr(res, d, 400, 2500, 'Unknown path components: ' + url.pathname, { type: 'OAuthException' });
    const [, version, node, edge] = m;
    if (node === 'oauth' && edge === 'access_token' && version === 'v24.0') return renew(req, res, d, 'fb');
    d.version = version;
    // The body: form (or JSON, which Graph also takes).
    let body = {};
    const ct = String(req.headers['content-type'] || '');
    if (d.raw) {
      if (ct.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(d.raw));
      else if (ct.startsWith('application/json')) {
        try { body = JSON.parse(d.raw); } catch { return badParam(res, d, 'Invalid JSON'); }
      } else return badParam(res, d, 'Unsupported content type ' + ct);
    }
    d.body = body;
    // The token: header, query or body.
    const auth = String(req.headers.authorization || '');
    let token = null;
    if (auth.startsWith('Bearer ')) { token = auth.slice(7); d.authVia = 'header'; }
    else if (d.query.access_token) { token = d.query.access_token; d.authVia = 'query'; }
    else if (body.access_token) { token = body.access_token; d.authVia = 'body'; }
    delete body.access_token;
    if (!token) return gerr(res, d, 400, 2500, 'An active access token must be used to query information about the current user.');
    const threadsApi = version === 'v1.0';
    const valid = threadsApi ? [threadsToken, ...renewed.threads] : [userToken, pageToken, ...renewed.user];
    if (!valid.includes(token)) return gerr(res, d, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
    const isPage = token === pageToken;
    // the same person's token, first given or renewed
    const isUser = token === userToken || renewed.user.includes(token);
    const isThreads = token === threadsToken || renewed.threads.includes(token);
    const act = async (kind, fn) => {
      d.kind = kind;
      const bb = behaviour(d) || {};
      if (bb.hang) { d.status = 'hung'; hanging.add(res); return; }
      if (bb.status) return send(res, d, bb.status, bb.body ?? { error: { message: 'error', code: 1 } }, bb.headers);
      const out = await fn();
      if (!out) return;
      if (bb.hangAfterCreate) { d.status = 'hung'; d.made = out; hanging.add(res); return; }
      return send(res, d, 200, out, bb.headers);
    };

    // ---- Facebook Pages ----
    if (!threadsApi && node === pageId) {
      if (!edge && req.method === 'GET') {
        if (d.query.fields !== 'access_token') return badParam(res, d, 'Tried accessing nonexisting field');
        return send(res, d, 200, { access_token: pageToken, id: pageId });
      }
      if (edge === 'photos' && req.method === 'POST') {
        if (!isPage) return gerr(res, d, 403, 200, '(#200) The permission(s) pages_manage_posts are not available. A Page access token is required.');
        const bad = only(body, ['url', 'published', 'alt_text_custom', 'caption', 'temporary', 'no_story']);
        if (bad) return badParam(res, d, `Param ${bad} is not a valid parameter`);
        if (!body.url) return gerr(res, d, 400, 324, '(#324) Requires upload file');
        if (body.published !== 'false') return badParam(res, d, 'kanal test server: photos to attach must be unpublished');
        return act('fb.photo', async () => {
          if (!(await fetchImage(body.url, { jpegOnly: false }))) { gerr(res, d, 400, 324, '(#324) Missing or invalid image file'); return null; }
          const id = newId();
          photos.set(id, { page: pageId, url: body.url, alt: body.alt_text_custom ?? null, published: false, attached: null });
          return { id };
        });
      }
      if (edge === 'feed' && req.method === 'POST') {
        if (!isPage) return gerr(res, d, 403, 200, '(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission');
        const bad = only(body, ['message', 'link', 'published', 'scheduled_publish_time', 'place', 'tags']);
        if (bad) return badParam(res, d, `Param ${bad} is not a valid parameter`);
        const att = Object.keys(body).filter((k) => k.startsWith('attached_media[')).sort((x, y) => parseInt(x.slice(15)) - parseInt(y.slice(15)));
        if (!body.message && !body.link && att.length === 0) return badParam(res, d, 'The parameter message, link or attached_media is required');
        if (body.message && [...body.message].length > FB_MAX) return badParam(res, d, 'Message is too long');
        if (body.link && !/^https?:\/\//.test(body.link)) return badParam(res, d, 'link URL is not properly formatted');
        const ids = [];
        for (const [i, k] of att.entries()) {
          if (k !== `attached_media[${i}]`) return badParam(res, d, 'attached_media must be numbered from 0');
          let v;
          try { v = JSON.parse(body[k]); } catch { return badParam(res, d, 'attached_media must be JSON'); }
          const p = photos.get(String(v.media_fbid));
          if (!p || Object.keys(v).length !== 1) return badParam(res, d, 'attached_media names no photo of this Page');
          if (p.published || p.attached) return badParam(res, d, 'attached_media photo is already used');
          ids.push(String(v.media_fbid));
        }
        return act('fb.feed', async () => {
          const id = `${pageId}_${newId()}`;
          for (const pid of ids) photos.get(pid).attached = id;
          posts.unshift({ id, message: body.message ?? '', link: body.link ?? null, attached: ids, created: Date.now() });
          return { id };
        });
      }
      if (edge === 'posts' && req.method === 'GET') {
        if (d.query.fields !== 'id,message,created_time') return badParam(res, d, 'kanal test server: unexpected fields');
        const limit = Math.min(Number(d.query.limit || 25), 100);
        return send(res, d, 200, { data: posts.slice(0, limit).map((p) => ({ id: p.id, message: p.message, created_time: iso(p.created) })), paging: {} });
      }
      return gerr(res, d, 400, 100, `(#100) Unsupported ${req.method} request`);
    }
    const fbPost = posts.find((p) => p.id === node);
    if (!threadsApi && fbPost) {
      if (!isPage) return gerr(res, d, 403, 200, '(#200) A Page access token is required');
      if (edge === 'comments' && req.method === 'POST') {
        const bad = only(body, ['message', 'attachment_url']);
        if (bad || !body.message) return badParam(res, d, bad ? `Param ${bad} is not a valid parameter` : 'message is required');
        return act('fb.comment', async () => { const id = `${fbPost.id.split('_')[1]}_${newId()}`; comments.push({ id, on: fbPost.id, message: body.message }); return { id }; });
      }
      if (!edge && req.method === 'DELETE') { posts.splice(posts.indexOf(fbPost), 1); return send(res, d, 200, { success: true }); }
      return gerr(res, d, 400, 100, `(#100) Unsupported ${req.method} request`);
    }

    // ---- Instagram ----
    if (!threadsApi && node === igUserId) {
      if (!isUser) return gerr(res, d, 400, 190, 'Invalid OAuth access token for this Instagram account');
      if (edge === 'media' && req.method === 'POST') {
        const bad = only(body, ['image_url', 'caption', 'alt_text', 'is_carousel_item', 'media_type', 'children', 'location_id', 'user_tags']);
        if (bad) return badParam(res, d, `Param ${bad} is not a valid parameter`);
        const carousel = body.media_type === 'CAROUSEL';
        if (body.media_type && !carousel) return badParam(res, d, 'kanal test server: only images and carousels');
        if (body.caption && [...body.caption].length > IG_MAX) return badParam(res, d, 'The caption is too long');
        let children = [];
        if (carousel) {
          if (body.image_url || body.alt_text) return badParam(res, d, 'A carousel container takes children, not an image');
          children = String(body.children || '').split(',').filter(Boolean);
          if (children.length < 2 || children.length > 10) return gerr(res, d, 400, 9004, 'Carousels need 2 to 10 children', { error_subcode: 2207035 });
          for (const c of children) {
            const k = containers.get(c);
            if (!k || k.owner !== igUserId || !k.fields.is_carousel_item) return badParam(res, d, `children: ${c} is not a carousel item of this account`);
            if (k.status() !== 'FINISHED') return gerr(res, d, 400, 9007, 'Media ID is not available', { error_subcode: 2207027 });
          }
        } else {
          if (!body.image_url) return badParam(res, d, 'The parameter image_url is required');
          if (body.is_carousel_item !== undefined && body.is_carousel_item !== 'true') return badParam(res, d, 'is_carousel_item must be true or absent');
          if (body.is_carousel_item === 'true' && body.caption) return badParam(res, d, 'A carousel item has no caption');
        }
        return act('ig.container', async () => {
          if (!carousel && !(await fetchImage(body.image_url, { jpegOnly: true }))) {
            gerr(res, d, 400, 9004, 'Only photo or video can be accepted as media type.', { error_subcode: 2207052, error_user_title: 'Media download has failed' });
            return null;
          }
          const id = newId();
          const created = Date.now();
          const c = { id, owner: igUserId, net: 'ig', fields: { ...body }, children, created, published: null };
          c.status = () => (c.published ? 'PUBLISHED' : Date.now() - created >= FINISH_MS ? 'FINISHED' : 'IN_PROGRESS');
          containers.set(id, c);
          return { id };
        });
      }
      if (edge === 'media_publish' && req.method === 'POST') {
        const bad = only(body, ['creation_id']);
        if (bad || !body.creation_id) return badParam(res, d, bad ? `Param ${bad} is not a valid parameter` : 'creation_id is required');
        const c = containers.get(body.creation_id);
        if (!c || c.owner !== igUserId || c.net !== 'ig') return badParam(res, d, 'creation_id is not a container of this account');
        if (c.fields.is_carousel_item) return badParam(res, d, 'A carousel item cannot be published on its own');
        if (c.status() !== 'FINISHED') return gerr(res, d, 400, 9007, 'Media ID is not available', { error_subcode: 2207027, error_user_title: 'The media is not ready for publishing, please wait for a moment' });
        return act('ig.publish', async () => {
          const id = newId();
          c.published = id;
          media.unshift({ id, caption: c.fields.caption ?? '', created: Date.now(), container: c.id, children: c.children, alt: c.fields.alt_text ?? null });
          return { id };
        });
      }
      if (edge === 'media' && req.method === 'GET') {
        if (d.query.fields !== 'id,caption,timestamp,permalink') return badParam(res, d, 'kanal test server: unexpected fields');
        return send(res, d, 200, { data: media.slice(0, Number(d.query.limit || 25)).map((x) => ({ id: x.id, caption: x.caption, timestamp: iso(x.created), permalink: `https://www.instagram.com/p/${x.id}/` })), paging: {} });
      }
      if (edge === 'content_publishing_limit' && req.method === 'GET') {
        const used = media.filter((x) => Date.now() - x.created < 86400000).length;
        return send(res, d, 200, { data: [{ quota_usage: used, config: { quota_total: 50, quota_duration: 86400 } }] });
      }
      return gerr(res, d, 400, 100, `(#100) Unsupported ${req.method} request`);
    }
    const igMedia = media.find((x) => x.id === node);
    if (!threadsApi && igMedia) {
      if (!isUser) return gerr(res, d, 400, 190, 'Invalid OAuth access token');
      if (!edge && req.method === 'GET' && d.query.fields === 'permalink') return send(res, d, 200, { permalink: `https://www.instagram.com/p/${igMedia.id}/`, id: igMedia.id });
      if (edge === 'comments' && req.method === 'POST') {
        const bad = only(body, ['message']);
        if (bad || !body.message) return badParam(res, d, bad ? `Param ${bad} is not a valid parameter` : 'message is required');
        return act('ig.comment', async () => { const id = newId(); comments.push({ id, on: igMedia.id, message: body.message }); return { id }; });
      }
      return gerr(res, d, 400, 100, `(#100) Unsupported ${req.method} request`);
    }

    // ---- Threads ----
    if (threadsApi && node === 'me' && !edge && req.method === 'GET') {
      if (d.query.fields !== 'id,username') return badParam(res, d, 'kanal test server: unexpected fields');
      return send(res, d, 200, { id: threadsUserId, username: threadsUsername });
    }
    if (threadsApi && node === threadsUserId) {
      if (edge === 'threads' && req.method === 'POST') {
        const bad = only(body, ['media_type', 'text', 'image_url', 'alt_text', 'is_carousel_item', 'children', 'reply_to_id', 'reply_control', 'link_attachment']);
        if (bad) return badParam(res, d, `Param ${bad} is not a valid parameter`);
        const type = body.media_type;
        if (!['TEXT', 'IMAGE', 'CAROUSEL'].includes(type)) return badParam(res, d, 'media_type must be TEXT, IMAGE, VIDEO or CAROUSEL');
        if (type === 'TEXT' && !body.text) return badParam(res, d, 'text is required for TEXT posts');
        if (type === 'TEXT' && (body.image_url || body.alt_text || body.children)) return badParam(res, d, 'a TEXT post takes no media');
        if (type === 'IMAGE' && !body.image_url) return badParam(res, d, 'image_url is required for IMAGE');
        if (body.text && threadsLength(body.text) > TH_MAX) return badParam(res, d, 'The text is longer than 500 characters');
        let children = [];
        if (type === 'CAROUSEL') {
          children = String(body.children || '').split(',').filter(Boolean);
          if (children.length < 2 || children.length > 20) return badParam(res, d, 'A carousel has 2 to 20 children');
          for (const c of children) {
            const k = containers.get(c);
            if (!k || k.owner !== threadsUserId || k.fields.is_carousel_item !== 'true') return badParam(res, d, `children: ${c} is not a carousel item of this user`);
          }
        }
        if (body.is_carousel_item === 'true' && (body.text || body.reply_to_id)) return badParam(res, d, 'A carousel item has no text or reply');
        if (body.reply_to_id && !threads.find((t) => t.id === body.reply_to_id)) return badParam(res, d, 'reply_to_id names no published post');
        return act('th.container', async () => {
          if (type === 'IMAGE' && !(await fetchImage(body.image_url, { jpegOnly: false }))) {
            badParam(res, d, 'The image could not be fetched from image_url');
            return null;
          }
          const id = newId();
          const created = Date.now();
          const c = { id, owner: threadsUserId, net: 'th', fields: { ...body }, children, created, published: null };
          c.status = () => (c.published ? 'PUBLISHED' : Date.now() - created >= FINISH_MS ? 'FINISHED' : 'IN_PROGRESS');
          containers.set(id, c);
          return { id };
        });
      }
      if (edge === 'threads_publish' && req.method === 'POST') {
        const bad = only(body, ['creation_id']);
        if (bad || !body.creation_id) return badParam(res, d, bad ? `Param ${bad} is not a valid parameter` : 'creation_id is required');
        const c = containers.get(body.creation_id);
        if (!c || c.owner !== threadsUserId || c.net !== 'th') return badParam(res, d, 'creation_id is not a container of this user');
        if (c.fields.is_carousel_item === 'true') return badParam(res, d, 'A carousel item cannot be published on its own');
        if (c.status() !== 'FINISHED') return gerr(res, d, 400, 24, 'The media is not ready to be published', { error_subcode: 4279009 });
        return act('th.publish', async () => {
          const id = newId();
          c.published = id;
          threads.unshift({ id, text: c.fields.text ?? '', created: Date.now(), reply_to: c.fields.reply_to_id ?? null, container: c.id, type: c.fields.media_type, children: c.children, alt: c.fields.alt_text ?? null });
          return { id };
        });
      }
      if ((edge === 'threads' || edge === 'replies') && req.method === 'GET') {
        if (d.query.fields !== 'id,text,timestamp,permalink') return badParam(res, d, 'kanal test server: unexpected fields');
        const list = threads.filter((t) => (edge === 'threads' ? !t.reply_to : !!t.reply_to));
        return send(res, d, 200, { data: list.slice(0, Number(d.query.limit || 25)).map((t) => ({ id: t.id, text: t.text, timestamp: iso(t.created), permalink: `https://www.threads.com/@${threadsUsername}/post/${t.id}` })), paging: {} });
      }
      return gerr(res, d, 400, 100, `(#100) Unsupported ${req.method} request`);
    }
    const th = threads.find((t) => t.id === node);
    if (threadsApi && th) {
      if (!edge && req.method === 'GET' && d.query.fields === 'permalink') return send(res, d, 200, { permalink: `https://www.threads.com/@${threadsUsername}/post/${th.id}`, id: th.id });
      if (!edge && req.method === 'DELETE') { threads.splice(threads.indexOf(th), 1); return send(res, d, 200, { success: true }); }
      return gerr(res, d, 400, 100, `(#100) Unsupported ${req.method} request`);
    }

    // ---- containers (both APIs) ----
    const c = containers.get(node);
    if (c && !edge && req.method === 'GET') {
      const want = c.net === 'ig' ? 'status_code' : 'status';
      const fields = String(d.query.fields || '').split(',');
      if (!fields.includes(want) || fields.some((f) => ![want, 'id', 'error_message'].includes(f))) return badParam(res, d, `kanal test server: read ${want}`);
      if ((c.net === 'ig') === threadsApi) return gerr(res, d, 400, 100, '(#100) Object does not exist');
      if (!(c.net === 'ig' ? isUser : isThreads)) return gerr(res, d, 400, 190, 'Invalid OAuth access token');
      return send(res, d, 200, { [want]: c.status(), id: c.id });
    }
    return gerr(res, d, 400, 100, `(#100) Unsupported ${req.method} request. Object with ID '${node}' does not exist`, { error_subcode: 33 });
  }

  // Token renewal (see the header).
  function renew(req, res, d, where) {
    const q = d.query;
    const r = { where, query: { ...q }, method: req.method };
    renewals.push(r);
    d.kind = 'renew';
    const fail = (status, code, message) => { r.status = status; return gerr(res, d, status, code, message); };
    if (req.method !== 'GET') return fail(400, 100, `(#100) Unsupported ${req.method} request`);
    const fresh = (kind, prefix) => {
      const t = `${prefix}-${crypto.randomBytes(18).toString('hex')}`;
      renewed[kind].push(t);
      r.status = 200;
      r.issued = t;
      return send(res, d, 200, { access_token: t, token_type: 'bearer', expires_in: 5183944 });
    };
    if (where === 'fb') {
      const known = ['grant_type', 'client_id', 'client_secret', 'fb_exchange_token'];
      if (Object.keys(q).some((k) => !known.includes(k))) return fail(400, 100, '(#100) Unknown parameter');
      if (q.grant_type !== 'fb_exchange_token') return fail(400, 100, '(#100) Unsupported grant_type');
      if (!app || q.client_id !== app.id || q.client_secret !== app.secret) return fail(400, 101, 'Error validating application. Invalid application ID or secret.');
      const t = q.fb_exchange_token;
      if (!t || dead.has(t) || ![userToken, ...renewed.user].includes(t)) return fail(400, 190, 'Error validating access token: Session has expired');
      return fresh('user', 'fbu');
    }
    const known = ['grant_type', 'access_token'];
    if (Object.keys(q).some((k) => !known.includes(k))) return fail(400, 100, '(#100) Unknown parameter');
    const t = q.access_token;
    if (q.grant_type === 'th_refresh_token') {
      if (!t || dead.has(t) || ![threadsToken, ...renewed.threads].includes(t)) return fail(400, 190, 'Error validating access token');
      return fresh('threads', 'th');
    }
    if (q.grant_type === 'ig_refresh_token') {
      if (!t || dead.has(t) || ![igLoginToken, ...renewed.ig].filter(Boolean).includes(t)) return fail(400, 190, 'Error validating access token');
      return fresh('ig', 'ig');
    }
    return fail(400, 100, '(#100) Unsupported grant_type');
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const d = { method: req.method, path: req.url, headers: req.headers, raw: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(d);
      handle(req, res, d).catch((e) => { d.crash = String(e); if (!res.headersSent) gerr(res, d, 500, 1, 'kanal test server crashed: ' + e); });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: base,
    fb: `${base}/v24.0`,
    threadsUrl: `${base}/v1.0`,
    requests, photos, posts, comments, containers, media, threads, fetched, renewals, renewed,
    revokeRenewals: () => { for (const t of [userToken, threadsToken, igLoginToken, ...renewed.user, ...renewed.threads, ...renewed.ig]) dead.add(t); },
    behave: (fn) => { behaviour = fn; },
    of: (kind) => requests.filter((d) => d.kind === kind),
    stop: () => new Promise((r) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      server.close(() => r());
    }),
  };
}

// ---- shared by the Meta connector tests ----
import net from 'node:net';
import { startServer } from '../lib/server.mjs';

// kanal with KANAL_PUBLIC_URL set to its own address: a free loopback port
// is found first, then kanal listens on it.
export async function startKanalPublic(env = {}) {
  const port = await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const pub = `http://127.0.0.1:${port}`;
  const srv = await startServer({
    demo: true,
    args: ['--listen', `127.0.0.1:${port}`],
    env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '400', KANAL_PUBLIC_URL: pub, ...env },
  });
  if (srv.url !== pub) throw new Error(`kanal listens on ${srv.url}, not ${pub}`);
  return srv;
}

// Upload an image to the library with an API token; returns the item.
export async function uploadImage(srv, token, bytes, name, alt) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/png' }), name);
  if (alt !== undefined) form.append('alt_text', alt);
  const res = await fetch(`${srv.url}/api/v1/workspaces/1/media`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const body = await res.json();
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload: ${res.status} ${JSON.stringify(body)}`);
  return body.media ?? body.item ?? body;
}
