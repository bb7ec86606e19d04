// Publishing to LinkedIn (issue 4) through kanal's HTTP API, against the
// strict local LinkedIn REST API in _linkedin.mjs: a post published once
// with its link, its commentary escaped as "little text", the version and
// Rest.li headers, and its feed URL; images uploaded through the Images API
// with their alt text; a first comment through socialActions; 429 honoured
// until Retry-After; a post LinkedIn made but never answered found again by
// reading the author's posts back (one post on LinkedIn); a comment that
// failed after the post was made resumed without posting again; a refused
// token fails with a reconnect reason; the access token is in no answer and
// no log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { tapi, cliToken } from './_helpers.mjs';
import { waitFor } from './_webhook.mjs';
import { png } from './_images.mjs';
import { startLinkedIn, littleText, unescape } from './_linkedin.mjs';

const TOKEN = 'ltok-' + crypto.randomBytes(20).toString('hex');
const BAD = 'lbad-' + crypto.randomBytes(20).toString('hex');
const W = '/api/v1/workspaces/1';
let srv;
let li;
let token;
let chan;
const answers = [];

const seen = new Map();
const plan = {
  '[429]': (n) => (n === 1 ? {
    status: 429, body: { status: 429, message: 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.' },
    headers: { 'retry-after': '2' },
  } : null),
  '[hang]': (n) => (n === 1 ? { hangAfterCreate: true } : null),
  'comment [500]': (n) => (n === 1 ? { status: 500, body: { status: 500, message: 'Internal Server Error' } } : null),
};

before(async () => {
  li = await startLinkedIn(TOKEN);
  li.behave((d) => {
    const text = String(d.body?.commentary ?? d.body?.message?.text ?? '');
    for (const [mark, fn] of Object.entries(plan)) {
      if (unescape(text).includes(mark)) {
        seen.set(mark, (seen.get(mark) || 0) + 1);
        return fn(seen.get(mark));
      }
    }
    return null;
  });
  srv = await startServer({ demo: true, env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '400' } });
  token = cliToken(srv.db, 1, 'owner', 'linkedin-test');
  chan = await channel('LinkedIn ok', TOKEN);
});

after(async () => {
  await srv?.stop();
  await li?.stop();
});

const call = async (method, path, body) => {
  const r = await tapi(srv.url, token, method, path, body);
  answers.push(JSON.stringify(r.body));
  return r;
};

async function channel(name, accessToken) {
  const c = await call('POST', `${W}/channels`, { network: 'linkedin', name });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, {
    base_url: li.url, handle: 'Elira Hoxha', secrets: { access_token: accessToken },
  });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.channel.account.status, 'connected');
  return c.body.channel.id;
}

async function draft(channelId, text, extra = {}) {
  const p = await call('POST', `${W}/posts`, { master_text: text, channel_ids: [channelId], ...extra });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  return p.body.post;
}

async function patchVariant(post, fields) {
  const r = await call('PATCH', `${W}/posts/${post.id}/variants/${post.variants[0].id}`, fields);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function schedule(postId, ms) {
  const at = new Date(Date.now() + ms).toISOString();
  const s = await call('POST', `${W}/posts/${postId}/schedule`, { scheduled_at: at });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  return Date.parse(at);
}

async function settle(postId, states, timeout = 15000) {
  return waitFor(async () => {
    const r = await call('GET', `${W}/posts/${postId}/publications`);
    const p = r.body.publications;
    return p.length === 1 && states.includes(p[0].state) ? p[0] : null;
  }, { timeout, what: `post ${postId} to be ${states.join('/')}` });
}

const createsWith = (mark) => li.creates().filter((d) => unescape(String(d.body?.commentary || '')).includes(mark));
const made = (mark) => li.posts.filter((p) => unescape(p.commentary).includes(mark));

async function libraryImage(seed, alt) {
  const picture = png(40 + seed, 30, { pixel: (px, py) => [px * 3 + seed, py * 7, 90] });
  const form = new FormData();
  form.append('file', new Blob([picture], { type: 'image/png' }), `photo${seed}.png`);
  form.append('alt_text', alt);
  const up = await fetch(`${srv.url}${W}/media`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const m = await up.json();
  answers.push(JSON.stringify(m));
  assert.equal(up.status, 201, JSON.stringify(m));
  return { id: m.media.id, bytes: picture };
}

test('the test server is strict: version, Rest.li, fields, author, little text', async () => {
  const post = (body, headers = {}) => fetch(`${li.url}/rest/posts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'linkedin-version': li.version, 'x-restli-protocol-version': '2.0.0', ...headers },
    body: JSON.stringify(body),
  });
  const ok = { author: li.member, commentary: 'x', visibility: 'PUBLIC', distribution: { feedDistribution: 'MAIN_FEED' }, lifecycleState: 'PUBLISHED' };
  let r = await post(ok, { 'linkedin-version': '' });
  assert.equal(r.status, 426);
  assert.equal((await r.json()).code, 'VERSION_MISSING');
  r = await post(ok, { 'linkedin-version': '2025-10' });
  assert.equal(r.status, 426);
  r = await post(ok, { 'x-restli-protocol-version': '' });
  assert.equal(r.status, 400);
  r = await post({ ...ok, text: 'x' });
  assert.equal(r.status, 422);
  r = await post({ ...ok, author: 'urn:li:person:someoneelse' });
  assert.equal(r.status, 403);
  r = await post({ ...ok, commentary: 'a'.repeat(3001) });
  assert.equal(r.status, 422);
  assert.equal(li.posts.length, 0, 'nothing was made');
  assert.equal(littleText('Hello (world) #tag'), 'Hello ');
  assert.equal(littleText('Hello \\(world\\) \\#tag'), 'Hello \\(world\\) \\#tag');
});

test('a scheduled post is published once: link, escaped commentary, headers, feed URL', async () => {
  const text = 'Ofertë e re (vetëm sot) për #dasma: torta me 3 kate! @Furra';
  const link = 'https://furra.al/torta';
  const p = await draft(chan, text, { link });
  const at = await schedule(p.id, 2500);
  const pub = await settle(p.id, ['published']);
  const got = createsWith('Ofertë e re');
  assert.equal(got.length, 1, 'one POST /rest/posts');
  const d = got[0];
  assert.equal(d.status, 201);
  assert.equal(d.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(d.headers['linkedin-version'], li.version);
  assert.equal(d.headers['x-restli-protocol-version'], '2.0.0');
  assert.ok(d.at >= at, 'not early');
  assert.equal(d.body.author, li.member, 'the author from /v2/userinfo');
  assert.equal(d.body.visibility, 'PUBLIC');
  assert.equal(d.body.lifecycleState, 'PUBLISHED');
  assert.equal(d.body.distribution.feedDistribution, 'MAIN_FEED');
  assert.equal(d.body.content, undefined);
  const posts = made('Ofertë e re');
  assert.equal(posts.length, 1);
  assert.equal(unescape(posts[0].commentary), `${text}\n\n${link}`, 'nothing cut: every reserved character escaped');
  assert.equal(pub.remote_id, posts[0].id);
  assert.equal(pub.remote_url, `https://www.linkedin.com/feed/update/${posts[0].id}/`);
  assert.equal(li.requests.filter((r) => r.endpoint === 'userinfo').length, 1, 'the member asked once');
});

test('two images from the library: initializeUpload, upload, then a multiImage post with alt text', async () => {
  const a = await libraryImage(1, 'Torta me tre kate');
  const b = await libraryImage(2, 'Ëmbëlsira në vitrinë');
  const p = await draft(chan, 'Vitrina e sotme [images]', { media: [a.id, b.id] });
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published']);
  const inits = li.requests.filter((r) => r.endpoint === 'images.init');
  assert.equal(inits.length, 2);
  for (const r of inits) assert.deepEqual(r.body, { initializeUploadRequest: { owner: li.member } });
  const ups = li.requests.filter((r) => r.endpoint === 'images.upload');
  assert.deepEqual(ups.map((r) => r.status), [201, 201]);
  const post = made('[images]');
  assert.equal(post.length, 1);
  const imgs = post[0].content.multiImage.images;
  assert.deepEqual(imgs.map((i) => i.altText), ['Torta me tre kate', 'Ëmbëlsira në vitrinë']);
  assert.ok(li.images.get(imgs[0].id).bytes.equals(a.bytes));
  assert.ok(li.images.get(imgs[1].id).bytes.equals(b.bytes));
  assert.equal(pub.remote_id, post[0].id);
});

test('a first comment is a comment on the post, by the same member', async () => {
  const p = await draft(chan, 'Menuja e dimrit [comment]');
  await patchVariant(p, { first_comment: 'Porositë: https://furra.al/porosi (deri në ora 18)' });
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published']);
  const post = made('[comment]');
  assert.equal(post.length, 1);
  assert.equal(post[0].comments.length, 1);
  const c = post[0].comments[0];
  assert.equal(c.actor, li.member);
  assert.equal(c.object, post[0].id);
  assert.equal(unescape(c.message.text), 'Porositë: https://furra.al/porosi (deri në ora 18)');
  const cr = li.requests.find((r) => r.endpoint === 'comments.create' && r.status === 201);
  assert.equal(cr.path, `/rest/socialActions/${encodeURIComponent(post[0].id)}/comments`);
  assert.equal(pub.remote_id, post[0].id);
});

test('429 with Retry-After: no call before it, then published once', async () => {
  const p = await draft(chan, 'rate limited [429]');
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 20000);
  const got = createsWith('[429]');
  assert.deepEqual(got.map((d) => d.status), [429, 201]);
  const gap = got[1].at - got[0].at;
  assert.ok(gap >= 2000, `waited for Retry-After (${gap} ms)`);
  assert.deepEqual(pub.timeline.map((a) => [a.outcome, a.http_status]), [['retry', 429], ['published', 201]]);
  assert.match(pub.timeline[0].message, /HTTP 429\): Resource level throttle/);
  assert.equal(made('[429]').length, 1);
});

test('LinkedIn made the post and never answered: the author\'s posts read back find it, one post', async () => {
  const p = await draft(chan, 'silent LinkedIn [hang] (a*b)');
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 40000);
  const got = createsWith('[hang]');
  assert.equal(got.length, 1, 'never posted again');
  assert.equal(got[0].status, 'hung');
  const posts = made('[hang]');
  assert.equal(posts.length, 1, 'no duplicate');
  const reads = li.requests.filter((r) => r.endpoint === 'posts.find');
  assert.ok(reads.length >= 1);
  assert.equal(reads.at(-1).status, 200);
  assert.equal(reads.at(-1).headers['x-restli-method'], 'FINDER');
  assert.equal(reads.at(-1).query.author, li.member);
  assert.equal(pub.remote_id, posts[0].id);
  assert.deepEqual(pub.timeline.map((a) => [a.kind, a.outcome]), [['publish', 'unknown'], ['reconcile', 'found']]);
});

test('the comment failed after the post was made: the retry posts the comment only', async () => {
  const p = await draft(chan, 'Post me koment [resume]');
  await patchVariant(p, { first_comment: 'comment [500] detajet' });
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 20000);
  assert.equal(createsWith('[resume]').length, 1, 'the post was sent once');
  const posts = made('[resume]');
  assert.equal(posts.length, 1);
  const tries = li.requests.filter((r) => r.endpoint === 'comments.create' && unescape(r.body?.message?.text || '').includes('comment [500]'));
  assert.deepEqual(tries.map((r) => r.status), [500, 201]);
  assert.equal(posts[0].comments.length, 1);
  assert.equal(pub.remote_id, posts[0].id);
  assert.match(pub.timeline[0].message, /the first comment: LinkedIn answered HTTP 500/);
});

test('a refused token: the publication fails with a reconnect reason and the channel needs reconnecting', async () => {
  const bad = await channel('LinkedIn revoked', BAD);
  const p = await draft(bad, 'with a revoked token');
  await schedule(p.id, 800);
  const pub = await settle(p.id, ['failed']);
  assert.equal(pub.last_error_code, 'linkedin.auth');
  assert.match(pub.last_error, /HTTP 401\): Invalid access token: connect the channel again/);
  assert.equal(made('with a revoked token').length, 0);
  const c = await call('GET', `${W}/channels/${bad}`);
  assert.equal(c.body.channel.account.status, 'needs_reconnect');
});

test('the access token is in no answer and no log line', async () => {
  answers.push(JSON.stringify((await call('GET', `${W}/channels`)).body));
  answers.push(JSON.stringify((await call('GET', `${W}/audit?limit=200`)).body));
  const all = answers.join('\n');
  for (const s of [TOKEN, BAD]) assert.ok(!all.includes(s), 'not in answers');
  const log = srv.stderr();
  assert.ok(log.includes('publish linkedin publication'), 'the log has the publishing lines');
  for (const s of [TOKEN, BAD]) assert.ok(!log.includes(s), 'not in the log');
});
