// Publishing to Mastodon (issue 4) through kanal's HTTP API, against the
// strict local instance in _mastodon.mjs: a post published once with the
// instance's URL; a 3-part thread as chained replies, each with its own
// Idempotency-Key; 429 retried after X-RateLimit-Reset; a status the
// instance made but never answered is found again with the same key (no
// duplicate); a refused token fails the publication with a reconnect
// reason; the access token is in no answer and no log line. Media: an
// image goes up with its alt text and is attached by id; a 202 upload is
// polled until processed; a retry attaches the uploads it kept instead of
// sending the files again; more images than the instance takes are
// refused before any upload. Limits: a refresh reads /api/v2/instance and
// a 700-character post becomes valid (and is published) on an instance
// that takes 1000.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { tapi, cliToken } from './_helpers.mjs';
import { waitFor } from './_webhook.mjs';
import { startMastodon, mastodonLength } from './_mastodon.mjs';
import { png } from './_images.mjs';

const TOKEN = 'mtok-' + crypto.randomBytes(20).toString('hex');
const BAD = 'mbad-' + crypto.randomBytes(20).toString('hex');
const W = '/api/v1/workspaces/1';
let srv;
let masto;
let token;
let chan;
const answers = [];

// What each status gets, by a marker in its text.
const seen = new Map();
const plan = {
  '[429]': (n) => (n === 1 ? {
    status: 429, body: { error: 'Too many requests' },
    headers: { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': new Date(Date.now() + 2000).toISOString() },
  } : null),
  '[hang]': (n) => (n === 1 ? { hangAfterCreate: true } : null),
  '[422]': () => ({ status: 422, body: { error: 'Validation failed: Text character limit of 500 exceeded' } }),
  '[500]': (n) => (n === 1 ? { status: 500, body: { error: 'Internal error' } } : null),
  '[media-500]': (n) => (n === 1 ? { status: 500, body: { error: 'Internal error' } } : null),
};

before(async () => {
  masto = await startMastodon(TOKEN);
  masto.behave((d) => {
    const text = String(d.body?.status || '');
    for (const [mark, fn] of Object.entries(plan)) {
      if (text.includes(mark)) {
        seen.set(mark, (seen.get(mark) || 0) + 1);
        d.at = Date.now();
        return fn(seen.get(mark));
      }
    }
    return null;
  });
  masto.mediaBehave((u) => (String(u.description || '').includes('[slow]') ? { processing: 2 } : null));
  srv = await startServer({ demo: true, env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '400' } });
  token = cliToken(srv.db, 1, 'owner', 'mastodon-test');
  chan = await channel('Mastodon ok', TOKEN);
});

after(async () => {
  await srv?.stop();
  await masto?.stop();
});

const call = async (method, path, body) => {
  const r = await tapi(srv.url, token, method, path, body);
  answers.push(JSON.stringify(r.body));
  return r;
};

async function channel(name, accessToken) {
  const c = await call('POST', `${W}/channels`, { network: 'mastodon', name });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, {
    base_url: masto.url, handle: '@kanal@127.0.0.1', secrets: { access_token: accessToken },
  });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.channel.account.status, 'connected');
  return c.body.channel.id;
}

async function draft(channelId, text) {
  const p = await call('POST', `${W}/posts`, { master_text: text, channel_ids: [channelId] });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  return p.body.post;
}

// A library item made of a fresh PNG, uploaded with the test's token.
async function image(alt, seed) {
  const form = new FormData();
  form.append('file', new Blob([png(24, 16, { noise: true, seed })], { type: 'image/png' }), `pic-${seed}.png`);
  form.append('alt_text', alt);
  const res = await fetch(srv.url + `${W}/media`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const body = await res.json();
  answers.push(JSON.stringify(body));
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.media || body.item || body;
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

const postsWith = (mark) => masto.posts().filter((d) => String(d.body?.status || '').includes(mark));

test('the test instance counts as Mastodon does', () => {
  assert.equal(mastodonLength('a'.repeat(10) + ' https://example.com/' + 'x'.repeat(200)), 10 + 1 + 23);
  assert.equal(mastodonLength('hi @alice@example.social'), 9);
  assert.equal(mastodonLength('👩‍👩‍👧 ok', 'cw'), 2 + 1 + 1 + 2);
});

test('a scheduled post is published once with the instance URL, in time', async () => {
  const text = 'Mëngjes me pamje nga deti 🌅 https://example.com/deti #GuriIKuq';
  const p = await draft(chan, text);
  const at = await schedule(p.id, 2500);
  const pub = await settle(p.id, ['published']);
  const got = postsWith('Mëngjes');
  assert.equal(got.length, 1, 'one POST');
  const d = got[0];
  assert.equal(d.status, 200);
  assert.equal(d.headers.authorization, `Bearer ${TOKEN}`);
  assert.match(d.headers['content-type'], /^application\/json/);
  assert.equal(d.key, pub.idempotency_key, 'Idempotency-Key is the attempt series key');
  assert.equal(d.body.status, text);
  assert.equal(d.body.visibility, 'public');
  assert.match(d.body.language, /^[a-z]{2}$/);
  assert.equal(d.body.in_reply_to_id, undefined);
  assert.ok(d.at >= at, 'not early');
  const s = masto.statuses.find((x) => x.text === text);
  assert.equal(pub.remote_id, s.id);
  assert.equal(pub.remote_url, s.url);
  assert.equal(masto.statuses.filter((x) => x.text === text).length, 1);
});

test('a 3-part thread: three statuses, each replying to the one before, each with its own key', async () => {
  const p = await draft(chan, 'thread one');
  const v = p.variants[0];
  const parts = ['[thread] first part 1/3', '[thread] second part 2/3', '[thread] third part 3/3'];
  const r = await call('PATCH', `${W}/posts/${p.id}/variants/${v.id}`, { thread: parts });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await schedule(p.id, 1500);
  const pub = await settle(p.id, ['published']);
  const got = postsWith('[thread]');
  assert.deepEqual(got.map((d) => d.body.status), parts);
  assert.deepEqual(got.map((d) => d.key), [pub.idempotency_key, `${pub.idempotency_key}/1`, `${pub.idempotency_key}/2`]);
  const made = parts.map((t) => masto.statuses.find((s) => s.text === t));
  assert.equal(made[0].in_reply_to_id, null);
  assert.equal(made[1].in_reply_to_id, made[0].id);
  assert.equal(made[2].in_reply_to_id, made[1].id);
  assert.equal(pub.remote_id, made[0].id);
  assert.equal(pub.remote_url, made[0].url);
});

test('429 with X-RateLimit-Reset: retried after the reset, published once', async () => {
  const p = await draft(chan, 'rate limited [429]');
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 20000);
  const got = postsWith('[429]');
  assert.deepEqual(got.map((d) => d.status), [429, 200]);
  assert.equal(got[0].key, got[1].key);
  const gap = got[1].at - got[0].at;
  assert.ok(gap >= 1500, `waited for the reset (${gap} ms)`);
  assert.deepEqual(pub.timeline.map((a) => [a.outcome, a.http_status]), [['retry', 429], ['published', 200]]);
  assert.match(pub.timeline[0].message, /HTTP 429\): Too many requests/);
  assert.equal(masto.statuses.filter((s) => s.text === 'rate limited [429]').length, 1);
});

test('500 then success: retried with the same key, one status', async () => {
  const p = await draft(chan, 'server error [500]');
  await schedule(p.id, 1000);
  await settle(p.id, ['published'], 20000);
  const got = postsWith('[500]');
  assert.deepEqual(got.map((d) => d.status), [500, 200]);
  assert.equal(got[0].key, got[1].key);
  assert.equal(masto.statuses.filter((s) => s.text === 'server error [500]').length, 1);
});

test('422: failed with the instance\'s message, not retried', async () => {
  const p = await draft(chan, 'refused [422]');
  await schedule(p.id, 800);
  const pub = await settle(p.id, ['failed']);
  assert.equal(pub.last_error_code, 'mastodon.rejected');
  assert.match(pub.last_error, /HTTP 422\): Validation failed: Text character limit of 500 exceeded/);
  assert.equal(postsWith('[422]').length, 1);
});

test('the instance made the status and never answered: the same key finds it, no duplicate', async () => {
  const p = await draft(chan, 'silent instance [hang]');
  await schedule(p.id, 1000);
  const pub = await settle(p.id, ['published'], 40000);
  const got = postsWith('[hang]');
  assert.equal(got.length, 2, 'the first POST and one with the same key');
  assert.equal(got[0].status, 'hung');
  assert.equal(got[1].key, got[0].key, 'the same Idempotency-Key');
  assert.equal(got[1].dup, true, 'the instance answered the status it had made');
  const made = masto.statuses.filter((s) => s.text === 'silent instance [hang]');
  assert.equal(made.length, 1, 'no duplicate');
  assert.equal(pub.remote_id, made[0].id);
  assert.equal(pub.remote_url, made[0].url);
  assert.deepEqual(pub.timeline.map((a) => [a.kind, a.outcome]), [['publish', 'unknown'], ['reconcile', 'found']]);
});

test('a refused token: the publication fails with a reconnect reason and the channel needs reconnecting', async () => {
  const bad = await channel('Mastodon revoked', BAD);
  const p = await draft(bad, 'with a revoked token');
  await schedule(p.id, 800);
  const pub = await settle(p.id, ['failed']);
  assert.equal(pub.last_error_code, 'mastodon.auth');
  assert.match(pub.last_error, /HTTP 401.*connect the channel again/);
  assert.equal(masto.statuses.filter((s) => s.text === 'with a revoked token').length, 0);
  const c = await call('GET', `${W}/channels/${bad}`);
  assert.equal(c.body.channel.account.status, 'needs_reconnect');
});

test('an image with alt text: uploaded with its description, attached to the status', async () => {
  const alt = 'Terasa e hotelit në perëndim, me detin pas';
  const m = await image(alt, 1);
  const p = await call('POST', `${W}/posts`, { master_text: 'Terasa sonte [media1]', channel_ids: [chan], media: [m.id] });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  await schedule(p.body.post.id, 800);
  const pub = await settle(p.body.post.id, ['published']);
  const ups = masto.uploads().filter((d) => d.upload?.description === alt);
  assert.equal(ups.length, 1, 'one upload');
  assert.equal(ups[0].status, 200);
  assert.equal(ups[0].upload.type, 'image/png');
  assert.equal(ups[0].headers.authorization, `Bearer ${TOKEN}`);
  const got = postsWith('[media1]');
  assert.equal(got.length, 1);
  const x = masto.media.find((y) => y.description === alt);
  assert.deepEqual(got[0].body.media_ids, [x.id]);
  const s = masto.statuses.find((y) => y.text === 'Terasa sonte [media1]');
  assert.equal(s.media_attachments.length, 1);
  assert.equal(s.media_attachments[0].description, alt);
  assert.equal(s.media_attachments[0].id, x.id);
  assert.equal(x.status_id, s.id);
  assert.equal(pub.remote_id, s.id);
});

test('a 202 upload is polled until processed, then attached', async () => {
  const alt = 'Bukë e sapopjekur [slow]';
  const m = await image(alt, 2);
  const p = await call('POST', `${W}/posts`, { master_text: 'Furra [media202]', channel_ids: [chan], media: [m.id] });
  await schedule(p.body.post.id, 800);
  await settle(p.body.post.id, ['published']);
  const up = masto.uploads().find((d) => d.upload?.description === alt);
  assert.equal(up.status, 202);
  const x = masto.media.find((y) => y.description === alt);
  const polls = masto.requests.filter((d) => d.path === `/api/v1/media/${x.id}`);
  assert.deepEqual(polls.map((d) => d.status), [206, 206, 200]);
  const st = postsWith('[media202]');
  assert.equal(st.length, 1);
  assert.ok(st[0].at >= polls[2].at, 'the status after the media was ready');
  assert.deepEqual(st[0].body.media_ids, [x.id]);
  assert.equal(masto.statuses.find((y) => y.text === 'Furra [media202]').media_attachments[0].description, alt);
});

test('a retry after a failure attaches the kept uploads: no second upload', async () => {
  const alts = ['Dhoma me pamje nga mali [r1]', 'Mëngjesi në oborr [r2]'];
  const items = [await image(alts[0], 3), await image(alts[1], 4)];
  const p = await call('POST', `${W}/posts`, { master_text: 'Two pictures [media-500]', channel_ids: [chan], media: items.map((m) => m.id) });
  await schedule(p.body.post.id, 800);
  const pub = await settle(p.body.post.id, ['published'], 20000);
  for (const a of alts) assert.equal(masto.uploads().filter((d) => d.upload?.description === a).length, 1, `one upload of ${a}`);
  const st = postsWith('[media-500]');
  assert.deepEqual(st.map((d) => d.status), [500, 200]);
  const ids = alts.map((a) => masto.media.find((y) => y.description === a).id);
  assert.deepEqual(st[0].body.media_ids, ids);
  assert.deepEqual(st[1].body.media_ids, ids, 'the same media on the retry');
  assert.deepEqual(pub.timeline.map((a) => a.outcome), ['retry', 'published']);
  const s = masto.statuses.find((y) => y.text === 'Two pictures [media-500]');
  assert.deepEqual(s.media_attachments.map((a) => a.description), alts);
});

test('more images than Mastodon takes: refused before any upload', async () => {
  const before = masto.uploads().length;
  const items = [];
  for (let i = 0; i < 5; i++) items.push(await image(`five [${i}]`, 10 + i));
  const p = await call('POST', `${W}/posts`, { master_text: 'Five pictures [media5]', channel_ids: [chan], media: items.map((m) => m.id) });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  await schedule(p.body.post.id, 800);
  const pub = await settle(p.body.post.id, ['failed']);
  assert.equal(pub.last_error_code, 'mastodon.too_many_media');
  assert.equal(masto.uploads().length, before, 'nothing uploaded');
  assert.equal(postsWith('[media5]').length, 0);
});

test('limits refresh: a 700-character post is valid and published on a 1000-character instance', async () => {
  const c = await channel('Mastodon 1000', TOKEN);
  const text = '[long] ' + 'a'.repeat(693);
  assert.equal(mastodonLength(text), 700);
  const p = await draft(c, text);
  const v0 = p.variants[0];
  assert.equal(v0.count.limit, 500);
  assert.equal(v0.count.valid, false);
  assert.ok(v0.problems.length > 0);
  masto.configure({ max_characters: 1000, characters_reserved_per_url: 23, max_media_attachments: 4 });
  try {
    const r = await call('POST', `${W}/channels/${c}/limits/refresh`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.channel.limits.max_chars, 1000);
    assert.equal(r.body.channel.limits.url_weight, 23);
    assert.equal(r.body.channel.limits.max_media, 4);
    assert.equal(r.body.channel.limits.max_image_bytes, 16777216);
    assert.equal(r.body.reported.max_chars, 1000);
    assert.ok(r.body.reported.mime_types.includes('image/png'));
    assert.ok(masto.requests.some((d) => d.path === '/api/v2/instance'));
    const g = await call('GET', `${W}/posts/${p.id}`);
    const v = g.body.post.variants[0];
    assert.equal(v.count.length, 700);
    assert.equal(v.count.limit, 1000);
    assert.equal(v.count.valid, true);
    assert.deepEqual(v.problems, []);
    const ch = await call('GET', `${W}/channels/${c}`);
    assert.equal(ch.body.channel.limits.max_chars, 1000, 'kept on the channel');
    await schedule(p.id, 800);
    await settle(p.id, ['published']);
    const got = postsWith('[long]');
    assert.equal(got.length, 1);
    assert.equal(got[0].length, 700);
    assert.equal(got[0].status, 200);
  } finally {
    masto.configure({ max_characters: 500 });
  }
  // the other networks have no limits to read
  const hook = await call('POST', `${W}/channels`, { network: 'webhook', name: 'no limits' });
  const bad = await call('POST', `${W}/channels/${hook.body.channel.id}/limits/refresh`);
  assert.equal(bad.status, 409);
  assert.equal(bad.body.code, 'channel.limits_unsupported');
});

test('the access token is in no answer and no log line', async () => {
  answers.push(JSON.stringify((await call('GET', `${W}/channels`)).body));
  answers.push(JSON.stringify((await call('GET', `${W}/audit?limit=200`)).body));
  const all = answers.join('\n');
  for (const s of [TOKEN, BAD]) assert.ok(!all.includes(s), 'not in answers');
  const log = srv.stderr();
  assert.ok(log.includes('publish mastodon publication'), 'the log has the publishing lines');
  for (const s of [TOKEN, BAD]) assert.ok(!log.includes(s), 'not in the log');
});
