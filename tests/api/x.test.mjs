// Publishing to X (issue 4) through kanal's HTTP API, against the strict
// local X API v2 in _x.mjs: a post published once with its link and its
// x.com URL; a 3-part thread as a reply chain; an image from the library
// uploaded with its alt text set before the post; a first comment as a
// reply; 429 honoured until x-rate-limit-reset; a post X made but never
// answered found again by reading the timeline back (one post on X); a
// failure in the middle of a thread resumed without posting earlier parts
// again; a refused token fails with a reconnect reason; the access token is
// in no answer and no log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { tapi, cliToken } from './_helpers.mjs';
import { waitFor } from './_webhook.mjs';
import { png } from './_images.mjs';
import { startX, xLength } from './_x.mjs';

const TOKEN = 'xtok-' + crypto.randomBytes(20).toString('hex');
const BAD = 'xbad-' + crypto.randomBytes(20).toString('hex');
const W = '/api/v1/workspaces/1';
let srv;
let x;
let token;
let chan;
const answers = [];

// What each POST /2/tweets gets, by a marker in its text.
const seen = new Map();
let resetAt = 0; // epoch s the 429 named
const plan = {
  '[429]': (n) => (n === 1 ? {
    status: 429, body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
    headers: { 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(resetAt = Math.ceil(Date.now() / 1000) + 2) },
  } : null),
  '[hang]': (n) => (n === 1 ? { hangAfterCreate: true } : null),
  '[mid-hang]': (n) => (n === 1 ? { hangAfterCreate: true } : null),
  '[mid-500]': (n) => (n === 1 ? { status: 503, body: { title: 'Service Unavailable', detail: 'Service Unavailable', type: 'about:blank', status: 503 } } : null),
};

before(async () => {
  x = await startX(TOKEN);
  x.behave((d) => {
    const text = String(d.body?.text || '');
    for (const [mark, fn] of Object.entries(plan)) {
      if (text.includes(mark)) {
        seen.set(mark, (seen.get(mark) || 0) + 1);
        return fn(seen.get(mark));
      }
    }
    return null;
  });
  srv = await startServer({ demo: true, env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '400' } });
  token = cliToken(srv.db, 1, 'owner', 'x-test');
  chan = await channel('X ok', TOKEN);
});

after(async () => {
  await srv?.stop();
  await x?.stop();
});

const call = async (method, path, body) => {
  const r = await tapi(srv.url, token, method, path, body);
  answers.push(JSON.stringify(r.body));
  return r;
};

async function channel(name, accessToken) {
  const c = await call('POST', `${W}/channels`, { network: 'x', name });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, {
    base_url: x.url, handle: '@FurraELagjes', secrets: { access_token: accessToken },
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

const createsWith = (mark) => x.creates().filter((d) => String(d.body?.text || '').includes(mark));
const made = (mark) => x.tweets.filter((t) => t.text.includes(mark));

test('the test server is strict: weighted length, unknown fields, the token', async () => {
  const post = (body, tok = TOKEN) => fetch(`${x.url}/2/tweets`, {
    method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const cjk = '海'.repeat(141); // each weighs 2
  assert.equal(xLength(cjk), 282);
  assert.equal(xLength('a'.repeat(250) + ' https://example.com/' + 'x'.repeat(100)), 250 + 1 + 23);
  let r = await post({ text: cjk });
  assert.equal(r.status, 400);
  assert.match((await r.json()).detail, /too long \(282 > 280\)/);
  r = await post({ text: 'ok', status: 'x' });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).title, 'Invalid Request');
  r = await post({ text: 'ok' }, BAD);
  assert.equal(r.status, 401);
  r = await post({ text: 'reply to nothing', reply: { in_reply_to_tweet_id: '42' } });
  assert.equal(r.status, 403);
  r = await post({ text: 'fake media', media: { media_ids: ['1'] } });
  assert.equal(r.status, 400);
  assert.equal(x.tweets.length, 0, 'nothing was made');
});

test('a scheduled post is published once with its link and the x.com URL, in time', async () => {
  const text = 'Bukë e freskët çdo mëngjes 🥖 #FurraELagjes';
  const link = 'https://furra.al/menu?utm_source=x';
  const p = await draft(chan, text, { link });
  const at = await schedule(p.id, 2500);
  const pub = await settle(p.id, ['published']);
  const got = createsWith('Bukë e freskët');
  assert.equal(got.length, 1, 'one POST /2/tweets');
  const d = got[0];
  assert.equal(d.status, 201);
  assert.equal(d.headers.authorization, `Bearer ${TOKEN}`);
  assert.match(d.headers['content-type'], /^application\/json/);
  assert.equal(d.body.text, `${text}\n\n${link}`, 'the link after the text');
  assert.deepEqual(Object.keys(d.body), ['text']);
  assert.ok(d.at >= at, 'not early');
  const t = made('Bukë e freskët');
  assert.equal(t.length, 1);
  assert.equal(pub.remote_id, t[0].id);
  assert.equal(pub.remote_url, `https://x.com/FurraELagjes/status/${t[0].id}`);
  const me = x.requests.filter((r) => r.endpoint === 'users.me');
  assert.equal(me.length, 1, 'the user id is fetched once');
});

test('a 3-part thread: three posts, each replying to the one before', async () => {
  const p = await draft(chan, 'thread one');
  const parts = ['[thread] first part 1/3', '[thread] second part 2/3', '[thread] third part 3/3'];
  await patchVariant(p, { thread: parts });
  await schedule(p.id, 1500);
  const pub = await settle(p.id, ['published']);
  assert.deepEqual(createsWith('[thread]').map((d) => d.body.text), parts);
  const t = parts.map((s) => x.tweets.find((w) => w.text === s));
  assert.equal(t[0].reply_to, null);
  assert.equal(t[1].reply_to, t[0].id);
  assert.equal(t[2].reply_to, t[1].id);
  assert.equal(pub.remote_id, t[0].id);
  assert.equal(x.requests.filter((r) => r.endpoint === 'users.me').length, 1, 'the user id stays cached');
});

test('an image from the library: uploaded, its alt text set before the post, attached', async () => {
  const picture = png(64, 48, { pixel: (px, py) => [px * 4, py * 5, 120] });
  const form = new FormData();
  form.append('file', new Blob([picture], { type: 'image/png' }), 'bread.png');
  form.append('alt_text', 'Three loaves of bread on a wooden counter');
  const up = await fetch(`${srv.url}${W}/media`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const m = await up.json();
  answers.push(JSON.stringify(m));
  assert.equal(up.status, 201, JSON.stringify(m));
  const p = await draft(chan, 'Bukë me foto [image]', { media: [m.media.id] });
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published']);
  const ups = x.requests.filter((r) => r.endpoint === 'media.upload');
  assert.equal(ups.length, 1);
  assert.equal(ups[0].status, 200);
  assert.ok(x.media.get(ups[0].media).bytes.equals(picture), 'the very bytes');
  const meta = x.requests.filter((r) => r.endpoint === 'media.metadata');
  assert.equal(meta.length, 1);
  assert.ok(meta[0].at <= createsWith('[image]')[0].at, 'alt text before the post');
  const t = made('[image]');
  assert.equal(t.length, 1);
  assert.deepEqual(t[0].media, [{ id: ups[0].media, alt: 'Three loaves of bread on a wooden counter' }]);
  assert.equal(pub.remote_id, t[0].id);
});

test('a first comment is a reply to the post', async () => {
  const p = await draft(chan, 'Menuja e re [comment]');
  await patchVariant(p, { first_comment: 'Porositë: https://furra.al/porosi' });
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published']);
  const post = x.tweets.find((t) => t.text === 'Menuja e re [comment]');
  const comment = x.tweets.find((t) => t.text === 'Porositë: https://furra.al/porosi');
  assert.ok(post && comment);
  assert.equal(comment.reply_to, post.id);
  assert.equal(pub.remote_id, post.id);
});

test('429 with x-rate-limit-reset: no call before the reset, then published once', async () => {
  const p = await draft(chan, 'rate limited [429]');
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 20000);
  const got = createsWith('[429]');
  assert.deepEqual(got.map((d) => d.status), [429, 201]);
  assert.ok(got[1].at >= resetAt * 1000, `no call before the reset (${resetAt * 1000 - got[1].at} ms early)`);
  assert.equal(x.requests.filter((r) => r.at > got[0].at && r.at < got[1].at && r.endpoint === 'tweets.create').length, 0);
  assert.deepEqual(pub.timeline.map((a) => [a.outcome, a.http_status]), [['retry', 429], ['published', 201]]);
  assert.match(pub.timeline[0].message, /HTTP 429\): Too Many Requests/);
  assert.equal(made('[429]').length, 1);
});

test('X made the post and never answered: the timeline read back finds it, one post on X', async () => {
  const p = await draft(chan, 'silent X [hang] https://furra.al/a&b');
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 40000);
  const got = createsWith('[hang]');
  assert.equal(got.length, 1, 'never posted again');
  assert.equal(got[0].status, 'hung');
  const t = made('[hang]');
  assert.equal(t.length, 1, 'no duplicate');
  assert.match(t[0].shown, /https:\/\/t\.co\//, 'X showed the link as t.co');
  const reads = x.requests.filter((r) => r.endpoint === 'users.tweets');
  assert.ok(reads.length >= 1);
  assert.equal(reads.at(-1).query.max_results, '100');
  assert.match(reads.at(-1).query['tweet.fields'], /referenced_tweets/);
  assert.equal(pub.remote_id, t[0].id);
  assert.deepEqual(pub.timeline.map((a) => [a.kind, a.outcome]), [['publish', 'unknown'], ['reconcile', 'found']]);
});

test('a failure in the middle of a thread: resumed after the last part, nothing posted twice', async () => {
  const p = await draft(chan, 'mid thread');
  const parts = ['[mid] opening 1/3', '[mid] middle [mid-500] 2/3', '[mid] closing 3/3'];
  await patchVariant(p, { thread: parts });
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 20000);
  const got = createsWith('[mid]');
  assert.deepEqual(got.map((d) => [d.body.text, d.status]), [
    [parts[0], 201], [parts[1], 503], [parts[1], 201], [parts[2], 201],
  ]);
  const t = parts.map((s) => x.tweets.filter((w) => w.text === s));
  assert.deepEqual(t.map((a) => a.length), [1, 1, 1]);
  assert.equal(t[1][0].reply_to, t[0][0].id);
  assert.equal(t[2][0].reply_to, t[1][0].id);
  assert.equal(pub.remote_id, t[0][0].id);
  assert.match(pub.timeline[0].message, /part 2 of 3: X answered HTTP 503/);
});

test('X made a middle part and never answered: read back, then only the rest is posted', async () => {
  const p = await draft(chan, 'hung thread');
  const parts = ['[mh] opening 1/3', '[mh] middle [mid-hang] 2/3', '[mh] closing 3/3'];
  await patchVariant(p, { thread: parts });
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 40000);
  assert.deepEqual(createsWith('[mh]').map((d) => [d.body.text, d.status]), [
    [parts[0], 201], [parts[1], 'hung'], [parts[2], 201],
  ]);
  const t = parts.map((s) => x.tweets.filter((w) => w.text === s));
  assert.deepEqual(t.map((a) => a.length), [1, 1, 1], 'each part once');
  assert.equal(t[1][0].reply_to, t[0][0].id);
  assert.equal(t[2][0].reply_to, t[1][0].id, 'the rest replies to the part found by the read-back');
  assert.deepEqual(pub.timeline.map((a) => [a.kind, a.outcome]), [['publish', 'unknown'], ['reconcile', 'not_found'], ['publish', 'published']]);
  assert.equal(pub.remote_id, t[0][0].id);
});

test('a refused token: the publication fails with a reconnect reason and the channel needs reconnecting', async () => {
  const bad = await channel('X revoked', BAD);
  const p = await draft(bad, 'with a revoked token');
  await schedule(p.id, 800);
  const pub = await settle(p.id, ['failed']);
  assert.equal(pub.last_error_code, 'x.auth');
  assert.match(pub.last_error, /HTTP 401.*connect the channel again/);
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
  assert.ok(log.includes('publish x publication'), 'the log has the publishing lines');
  for (const s of [TOKEN, BAD]) assert.ok(!log.includes(s), 'not in the log');
});
