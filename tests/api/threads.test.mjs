// Publishing to Threads (issue 4) through kanal's HTTP API, against the
// strict local Threads API in _graph.mjs: text with the link in it, the
// user id asked once (/me) and kept; an image with alt text fetched from
// kanal's signed public URL; a 3-part thread as chained replies plus a
// first comment replying to the first post; a publish made but never
// answered found by reading the account back (one post); code 190 asking
// for a reconnect; the token in no answer and no log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { tapi, cliToken } from './_helpers.mjs';
import { waitFor } from './_webhook.mjs';
import { png } from './_images.mjs';
import { startGraph, startKanalPublic, uploadImage, threadsLength } from './_graph.mjs';

const TOKEN = 'thtok-' + crypto.randomBytes(16).toString('hex');
const BAD = 'thbad-' + crypto.randomBytes(16).toString('hex');
const UID = '26000000000001';
const W = '/api/v1/workspaces/1';
let srv, graph, token, chan;
const answers = [];
let hung = 0;

before(async () => {
  graph = await startGraph({ userToken: 'u-' + TOKEN, pageToken: 'p-' + TOKEN, threadsToken: TOKEN, pageId: '1', igUserId: '2', threadsUserId: UID });
  graph.behave((d) => {
    if (d.kind !== 'th.publish') return null;
    const c = graph.containers.get(d.body.creation_id);
    if (String(c?.fields.text || '').includes('[hang]') && hung++ === 0) return { hangAfterCreate: true };
    return null;
  });
  srv = await startKanalPublic();
  token = cliToken(srv.db, 1, 'owner', 'threads-test');
  chan = await channel('Threads', TOKEN);
});

after(async () => {
  await srv?.stop();
  await graph?.stop();
});

const call = async (method, path, body) => {
  const r = await tapi(srv.url, token, method, path, body);
  answers.push(JSON.stringify(r.body));
  return r;
};

async function channel(name, accessToken) {
  const c = await call('POST', `${W}/channels`, { network: 'threads', name });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, { base_url: graph.threadsUrl, handle: 'kanal', secrets: { access_token: accessToken } });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return c.body.channel.id;
}

async function publish(channelId, text, { extra = {}, variant, states = ['published'], timeout = 20000 } = {}) {
  const p = await call('POST', `${W}/posts`, { master_text: text, channel_ids: [channelId], ...extra });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  if (variant) {
    const r = await call('PATCH', `${W}/posts/${p.body.post.id}/variants/${p.body.post.variants[0].id}`, variant);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const s = await call('POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 1200).toISOString() });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  return waitFor(async () => {
    const x = (await call('GET', `${W}/posts/${p.body.post.id}/publications`)).body.publications;
    return x.length === 1 && states.includes(x[0].state) ? x[0] : null;
  }, { timeout, what: `post to be ${states}` });
}

const published = (text) => graph.threads.filter((t) => t.text === text);

test('the test server counts as Threads does: an emoji weighs its UTF-8 bytes', () => {
  assert.equal(threadsLength('abc'), 3);
  assert.equal(threadsLength('ok 🎉'), 3 + 4);
});

test('text with a link: one TEXT container with the link in the text, published; /me asked once', async () => {
  const pub = await publish(chan, 'Festivali i Jazz-it fillon sonte', { extra: { link: 'https://example.com/jazz' } });
  const text = 'Festivali i Jazz-it fillon sonte\n\nhttps://example.com/jazz';
  const t = published(text);
  assert.equal(t.length, 1);
  assert.equal(t[0].type, 'TEXT');
  assert.equal(t[0].reply_to, null);
  const c = graph.containers.get(t[0].container);
  assert.deepEqual(c.fields, { media_type: 'TEXT', text });
  assert.equal(pub.remote_id, t[0].id);
  assert.equal(pub.remote_url, `https://www.threads.com/@kanal/post/${t[0].id}`);
  assert.equal(graph.requests.filter((d) => d.path === '/v1.0/me?fields=id,username').length, 1);
  assert.ok(graph.requests.every((d) => d.authVia === 'header'));
});

test('an image with alt text: an IMAGE container from kanal\'s public URL', async () => {
  const img = await uploadImage(srv, token, png(60, 60, { pixel: (x, y) => [x * 4, y * 4, 10] }), 't.png', 'Skena e festivalit');
  const pub = await publish(chan, 'Skena është gati', { extra: { media: [img.id] } });
  const t = published('Skena është gati');
  assert.equal(t.length, 1);
  assert.equal(t[0].type, 'IMAGE');
  assert.equal(t[0].alt, 'Skena e festivalit');
  const c = graph.containers.get(t[0].container);
  assert.ok(c.fields.image_url.startsWith(`${srv.url}/media/p/`));
  assert.ok(graph.fetched.find((x) => x.url === c.fields.image_url)?.ok);
  assert.equal(pub.remote_id, t[0].id);
});

test('a 3-part thread and a first comment: each part replies to the one before, the comment to the first', async () => {
  const parts = ['[thread] pjesa e parë 1/3', '[thread] pjesa e dytë 2/3', '[thread] pjesa e tretë 3/3'];
  const pub = await publish(chan, 'thread', { variant: { thread: parts, first_comment: '[thread] komenti i parë' } });
  const made = parts.map((p) => published(p));
  assert.deepEqual(made.map((m) => m.length), [1, 1, 1]);
  assert.equal(made[0][0].reply_to, null);
  assert.equal(made[1][0].reply_to, made[0][0].id);
  assert.equal(made[2][0].reply_to, made[1][0].id);
  const cm = published('[thread] komenti i parë');
  assert.equal(cm.length, 1);
  assert.equal(cm[0].reply_to, made[0][0].id);
  assert.equal(pub.remote_id, made[0][0].id);
  assert.equal(graph.of('th.publish').filter((d) => String(graph.containers.get(d.body.creation_id).fields.text).startsWith('[thread]')).length, 4);
});

test('threads_publish made the post and never answered: the account is read back, one post', async () => {
  const pub = await publish(chan, 'Heshtje në Threads [hang]', { timeout: 45000 });
  const t = published('Heshtje në Threads [hang]');
  assert.equal(t.length, 1);
  assert.equal(graph.of('th.publish').filter((d) => d.body.creation_id === t[0].container).length, 1, 'never published twice');
  assert.equal(pub.remote_id, t[0].id);
  assert.deepEqual(pub.timeline.map((a) => [a.kind, a.outcome]), [['publish', 'unknown'], ['reconcile', 'found']]);
});

test('code 190: failed with a reconnect reason, the channel needs reconnecting', async () => {
  const bad = await channel('Threads revoked', BAD);
  const pub = await publish(bad, 'me token të vdekur', { states: ['failed'] });
  assert.equal(pub.last_error_code, 'graph.auth');
  assert.match(pub.last_error, /Threads refused the access token \(code 190\)/);
  assert.equal((await call('GET', `${W}/channels/${bad}`)).body.channel.account.status, 'needs_reconnect');
});

test('the token is in no answer and no log line', async () => {
  answers.push(JSON.stringify((await call('GET', `${W}/channels`)).body));
  answers.push(JSON.stringify((await call('GET', `${W}/audit?limit=200`)).body));
  const all = answers.join('\n');
  const log = srv.stderr();
  assert.ok(log.includes('publish threads publication'));
  for (const s of [TOKEN, BAD]) {
    assert.ok(!all.includes(s), 'not in answers');
    assert.ok(!log.includes(s), 'not in the log');
  }
});
