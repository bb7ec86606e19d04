// Token refresh during real publications (issue 4): X channels connected
// through the OAuth flow against a real authorization server (npm
// oidc-provider, _oidc.mjs) publish to the strict local X API (_x.mjs),
// which accepts exactly the access tokens the provider's introspection
// says are active. A token about to expire is refreshed before the call
// (X sees only the new one); a token X refuses (the provider says it
// expired, though it was issued for an hour) is refreshed once and the
// post retried; a provider that is down during the refresh leaves the
// channel connected and the publication is retried later; a revoked
// refresh token fails the publication with a reconnect reason. Each case
// asserts the exact requests on both servers and that the post exists
// once. No token appears in any answer or log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, api, login } from '../lib/server.mjs';
import { DEMO } from './_helpers.mjs';
import { waitFor, sleep } from './_webhook.mjs';
import { startOidc, freePort } from './_oidc.mjs';
import { startX } from './_x.mjs';

const W = '/api/v1/workspaces/1';
const SECRET = 'csecret-' + crypto.randomBytes(16).toString('hex');
let srv, op, x, base, owner;
const answers = [];

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  op = await startOidc({ redirectUri: `${base}/oauth/callback`, clientSecret: SECRET });
  // the X API's own token is none the tests use: only the provider's work
  x = await startX(crypto.randomBytes(32).toString('hex'), { introspect: op.introspect });
  srv = await startServer({
    demo: true,
    args: ['--listen', `127.0.0.1:${port}`],
    env: {
      KANAL_NET_ALLOW_LOOPBACK: '1',
      KANAL_PUBLIC_URL: base,
      KANAL_RETRY_BASE_MS: '300',
      KANAL_OAUTH_X_CLIENT_ID: 'kanal-test',
      KANAL_OAUTH_X_CLIENT_SECRET: SECRET,
      KANAL_OAUTH_X_AUTHORIZE_URL: `${op.url}/auth`,
      KANAL_OAUTH_X_TOKEN_URL: `${op.url}/token`,
      KANAL_OAUTH_X_USERINFO_URL: `${x.url}/2/users/me`,
      KANAL_OAUTH_X_API_URL: x.url,
      KANAL_OAUTH_X_SCOPES: 'openid',
    },
  });
  owner = await login(base, DEMO.owner);
});

after(async () => {
  await srv?.stop();
  await x?.stop();
  await op?.stop();
});

const as = async (method, path, body) => {
  const r = await api(base, method, path, { body, cookie: owner.cookie, csrf: owner.csrf, origin: base });
  answers.push(JSON.stringify(r.body) + JSON.stringify([...r.headers]));
  return r;
};

// A new X channel connected through the flow; returns its id and the
// tokens the provider issued for it.
async function connected(name) {
  const c = await as('POST', `${W}/channels`, { network: 'x', name });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const id = c.body.channel.id;
  const s = await as('POST', `${W}/channels/${id}/oauth`, {});
  assert.equal(s.status, 200, JSON.stringify(s.body));
  const back = await op.authorize(s.body.authorize_url);
  const r = await as('GET', new URL(back).pathname + new URL(back).search);
  assert.equal(r.headers.get('location'), `${base}/#/ws/1/channels?connected=${id}`, JSON.stringify(r.body));
  const acc = (await as('GET', `${W}/channels/${id}`)).body.channel.account;
  assert.equal(acc.status, 'connected');
  assert.equal(acc.summary, x.username, 'the handle read from X with the provider\'s token');
  return { id, tokens: op.state.issued.at(-1) };
}

async function publish(channel, text) {
  const p = await as('POST', `${W}/posts`, { master_text: text, channel_ids: [channel] });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const s = await as('POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 1000).toISOString() });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  return p.body.post.id;
}

const publication = async (post) => (await as('GET', `${W}/posts/${post}/publications`)).body.publications[0];
const settle = (post, states) => waitFor(async () => {
  const p = await publication(post);
  return p && states.includes(p.state) ? p : null;
}, { timeout: 25000, what: `post ${post} to be ${states.join('/')}` });

const refreshes = (from) => op.state.tokenRequests.slice(from)
  .filter((t) => new URLSearchParams(t.body).get('grant_type') === 'refresh_token');
const creates = (text) => x.creates().filter((d) => d.body?.text === text);
const made = (text) => x.tweets.filter((t) => t.text === text);
// X's requests since index from: [method, path, status, the bearer it carried]
const xSince = (from, names) => x.requests.slice(from).map((d) => [d.method, d.path, d.status,
  Object.entries(names).find(([, t]) => d.headers.authorization === `Bearer ${t}`)?.[0] || '?']);

test('a token about to expire is refreshed before the call: X sees only the new token, one post', async () => {
  op.state.accessTtl = 120; // within kanal's 5 minutes
  const { id, tokens } = await connected('X expiring');
  const from = op.state.tokenRequests.length;
  const xfrom = x.requests.length;
  const text = `Para se të skadojë ${Date.now()}`;
  const post = await publish(id, text);
  const pub = await settle(post, ['published', 'failed']);
  assert.equal(pub.state, 'published', JSON.stringify(pub));
  const rf = refreshes(from);
  assert.equal(rf.length, 1, 'one refresh');
  assert.equal(new URLSearchParams(rf[0].body).get('refresh_token'), tokens.refresh_token);
  const fresh = op.state.issued.at(-1);
  assert.notEqual(fresh.access_token, tokens.access_token);
  const c = creates(text);
  assert.equal(c.length, 1, 'one POST /2/tweets');
  assert.equal(c[0].headers.authorization, `Bearer ${fresh.access_token}`);
  assert.equal(c[0].status, 201);
  assert.equal(made(text).length, 1);
  assert.deepEqual(xSince(xfrom, { old: tokens.access_token, new: fresh.access_token }), [
    ['GET', '/2/users/me', 200, 'new'],
    ['POST', '/2/tweets', 201, 'new'],
  ], 'X never saw the old token');
});

test('X refuses a token the provider says expired: refreshed once, retried, published once', async () => {
  op.state.accessTtl = 2;
  op.state.claimTtl = 3600; // kanal is told an hour
  let ch;
  try {
    ch = await connected('X refused token');
  } finally {
    op.state.accessTtl = 3600;
    op.state.claimTtl = 0;
  }
  await waitFor(async () => (await op.introspect(ch.tokens.access_token)).active === false, { timeout: 10000, what: 'the token to expire' });
  const from = op.state.tokenRequests.length;
  const xfrom = x.requests.length;
  const text = `Pas refuzimit ${Date.now()}`;
  const post = await publish(ch.id, text);
  const pub = await settle(post, ['published', 'failed']);
  assert.equal(pub.state, 'published', JSON.stringify(pub));
  assert.equal(refreshes(from).length, 1, 'one refresh');
  const fresh = op.state.issued.at(-1);
  // X's requests for this publication, in order: the first (reading the
  // account id) refused with the old token, then everything with the new
  const seen = x.requests.slice(xfrom).map((d) => [d.method, d.path, d.status,
    d.headers.authorization === `Bearer ${ch.tokens.access_token}` ? 'old' : d.headers.authorization === `Bearer ${fresh.access_token}` ? 'new' : '?']);
  assert.deepEqual(seen, [
    ['GET', '/2/users/me', 401, 'old'],
    ['GET', '/2/users/me', 200, 'new'],
    ['POST', '/2/tweets', 201, 'new'],
  ]);
  assert.equal(creates(text).length, 1);
  assert.equal(made(text).length, 1);
  assert.equal((await as('GET', `${W}/channels/${ch.id}`)).body.channel.account.status, 'connected');
});

test('the provider is down during the refresh: retried later, the channel stays connected, published once', async () => {
  op.state.accessTtl = 120;
  const { id, tokens } = await connected('X provider down');
  const from = op.state.tokenRequests.length;
  const xfrom = x.requests.length;
  op.state.mode = 'down';
  const text = `Kur ra serveri ${Date.now()}`;
  let post;
  try {
    post = await publish(id, text);
    await waitFor(() => refreshes(from).length >= 1, { timeout: 15000, what: 'a refresh while down' });
    await sleep(200);
    const p = await publication(post);
    assert.ok(!['failed', 'published'].includes(p.state), JSON.stringify(p));
    assert.equal(p.last_error_code, 'oauth.unreachable');
    assert.equal((await as('GET', `${W}/channels/${id}`)).body.channel.account.status, 'connected');
    assert.equal(x.requests.length, xfrom, 'X was not called without a usable token');
  } finally {
    op.state.mode = 'normal';
  }
  const pub = await settle(post, ['published', 'failed']);
  assert.equal(pub.state, 'published', JSON.stringify(pub));
  const rf = refreshes(from);
  assert.ok(rf.filter((t) => t.mode === 'down').length >= 1);
  assert.equal(rf.filter((t) => t.mode === 'normal').length, 1, 'one refresh once the provider is back');
  for (const t of rf) assert.equal(new URLSearchParams(t.body).get('refresh_token'), tokens.refresh_token, 'the same refresh token until it worked');
  assert.deepEqual(xSince(xfrom, { old: tokens.access_token, new: op.state.issued.at(-1).access_token }), [
    ['GET', '/2/users/me', 200, 'new'],
    ['POST', '/2/tweets', 201, 'new'],
  ]);
  assert.equal(made(text).length, 1);
  assert.equal((await as('GET', `${W}/channels/${id}`)).body.channel.account.status, 'connected');
});

test('a revoked refresh token: the publication fails with a reconnect reason, the channel needs reconnecting', async () => {
  op.state.accessTtl = 120;
  const { id, tokens } = await connected('X revoked');
  assert.equal(await op.revoke(tokens.refresh_token), 200);
  const from = op.state.tokenRequests.length;
  const xfrom = x.requests.length;
  const text = `Pa leje ${Date.now()}`;
  const post = await publish(id, text);
  const pub = await settle(post, ['failed', 'published']);
  assert.equal(pub.state, 'failed');
  assert.equal(pub.last_error_code, 'oauth.invalid_grant');
  assert.match(pub.last_error, /connect the channel again/);
  assert.equal(refreshes(from).length, 1, 'one refresh, refused');
  assert.equal(x.requests.length, xfrom, 'X was not called');
  assert.equal((await as('GET', `${W}/channels/${id}`)).body.channel.account.status, 'needs_reconnect');
});

test('X refuses even the refreshed token: refreshed once, then the publication fails and the channel needs reconnecting', async () => {
  // Tokens that live an hour, so that only a refusal makes kanal refresh
  // (a token under five minutes from its end is refreshed before each call).
  const ttl = op.state.accessTtl;
  op.state.accessTtl = 3600;
  const ch = await connected('X refuses for good');
  const from = op.state.tokenRequests.length;
  const text = `Refuzim i përhershëm ${Date.now()}`;
  x.behave((d) => (d.body?.text === text ? { status: 401, body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' } } : null));
  try {
    const post = await publish(ch.id, text);
    const pub = await settle(post, ['failed', 'published']);
    assert.equal(pub.state, 'failed', JSON.stringify(pub));
    assert.equal(pub.last_error_code, 'x.auth');
    assert.equal(refreshes(from).length, 1, 'one refresh, not one per attempt');
    assert.deepEqual(pub.timeline.map((a) => a.outcome), ['retry', 'auth']);
    assert.equal(creates(text).length, 2, 'the old token once, the refreshed one once');
    assert.equal(made(text).length, 0);
    assert.equal((await as('GET', `${W}/channels/${ch.id}`)).body.channel.account.status, 'needs_reconnect');
  } finally {
    x.behave(() => null);
    op.state.accessTtl = ttl;
  }
});

test('no token appears in any answer or log line', () => {
  const secrets = [SECRET];
  for (const t of op.state.issued) {
    if (t.access_token) secrets.push(t.access_token);
    if (t.refresh_token) secrets.push(t.refresh_token);
  }
  assert.ok(secrets.length >= 9);
  const log = srv.stderr();
  assert.ok(log.includes('publish x publication'));
  for (const s of secrets) {
    assert.ok(!log.includes(s), 'a token in the log');
    for (const a of answers) assert.ok(!a.includes(s), 'a token in an answer');
  }
  assert.deepEqual(op.state.errors, []);
});
