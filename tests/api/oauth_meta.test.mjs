// Renewing Meta's long-lived tokens (issue 4) as each network documents it,
// against the strict local Graph API (_graph.mjs): Facebook exchanges the
// user token at the Graph token endpoint (grant_type=fb_exchange_token with
// the app's id and secret), Instagram (Instagram login) and Threads call
// GET /refresh_access_token with ig_refresh_token / th_refresh_token. Both
// the API's POST …/oauth/refresh and the worker (a token within a week of
// its end is renewed before publishing) go through the connector's
// .refresh slot. A token Meta no longer renews asks for a reconnect;
// Mastodon answers that its tokens do not expire; an X channel without a
// refresh token has nothing to refresh with. No token appears in any
// answer or log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { tapi, cliToken } from './_helpers.mjs';
import { waitFor } from './_webhook.mjs';
import { startGraph, startKanalPublic } from './_graph.mjs';

const W = '/api/v1/workspaces/1';
const rnd = () => crypto.randomBytes(18).toString('hex');
const USER = 'fbu0-' + rnd();
const PAGE = 'fbp0-' + rnd();
const TH = 'th0-' + rnd();
const IGT = 'ig0-' + rnd();
const APP_SECRET = 'metasecret-' + rnd();
const PAGE_ID = '104000000000001';
const IG_ID = '178400000000002';
const TH_ID = '2000000000000003';
const DAY = 86400 * 1000;
let graph, srv, token;
const answers = [];

before(async () => {
  graph = await startGraph({
    userToken: USER, pageToken: PAGE, threadsToken: TH, pageId: PAGE_ID, igUserId: IG_ID, threadsUserId: TH_ID,
    app: { id: 'meta-app-1', secret: APP_SECRET }, igLoginToken: IGT,
  });
  srv = await startKanalPublic({
    KANAL_OAUTH_FACEBOOK_CLIENT_ID: 'meta-app-1',
    KANAL_OAUTH_FACEBOOK_CLIENT_SECRET: APP_SECRET,
    KANAL_OAUTH_FACEBOOK_TOKEN_URL: `${graph.fb}/oauth/access_token`,
    KANAL_OAUTH_FACEBOOK_API_URL: graph.fb,
    KANAL_OAUTH_INSTAGRAM_API_URL: graph.url,
    KANAL_OAUTH_THREADS_API_URL: graph.threadsUrl,
  });
  token = cliToken(srv.db, 1, 'owner', 'oauth-meta-test');
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

async function channel(network, account) {
  const c = await call('POST', `${W}/channels`, { network, name: `${network} ${rnd().slice(0, 6)}` });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, account);
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return c.body.channel.id;
}

const refresh = (id) => call('POST', `${W}/channels/${id}/oauth/refresh`);
const status = async (id) => (await call('GET', `${W}/channels/${id}`)).body.channel.account.status;

test('Facebook: fb_exchange_token at the Graph token endpoint with the app id and secret', async () => {
  const id = await channel('facebook', {
    base_url: graph.fb, handle: PAGE_ID,
    secrets: { access_token: USER, page_id: PAGE_ID, expires_at_ms: String(Date.now() + 30 * DAY) },
  });
  const from = graph.renewals.length;
  const r = await refresh(id);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const got = graph.renewals.slice(from);
  assert.equal(got.length, 1);
  assert.equal(got[0].where, 'fb');
  assert.equal(got[0].method, 'GET');
  assert.deepEqual(got[0].query, {
    grant_type: 'fb_exchange_token', client_id: 'meta-app-1', client_secret: APP_SECRET, fb_exchange_token: USER,
  });
  assert.equal(got[0].status, 200);
  // renewed again: the token kanal now holds is the one Meta gave
  const r2 = await refresh(id);
  assert.equal(r2.status, 200, JSON.stringify(r2.body));
  assert.equal(graph.renewals.at(-1).query.fb_exchange_token, got[0].issued);
  assert.equal(await status(id), 'connected');
});

test('Instagram (Instagram login): GET /refresh_access_token with ig_refresh_token', async () => {
  const id = await channel('instagram', {
    base_url: graph.url, handle: 'kanal.al', secrets: { access_token: IGT, ig_user_id: IG_ID },
  });
  const from = graph.renewals.length;
  const r = await refresh(id);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const got = graph.renewals.slice(from);
  assert.equal(got.length, 1);
  assert.equal(got[0].where, 'meta');
  assert.deepEqual(got[0].query, { grant_type: 'ig_refresh_token', access_token: IGT });
  assert.equal(got[0].status, 200);
  assert.equal(await status(id), 'connected');
});

test('Threads: a token within a week of its end is renewed (th_refresh_token) before publishing with the new one', async () => {
  const id = await channel('threads', {
    base_url: graph.threadsUrl, handle: 'kanal',
    secrets: { access_token: TH, expires_at_ms: String(Date.now() + 2 * DAY) },
  });
  const from = graph.renewals.length;
  const reqFrom = graph.requests.length;
  const text = `Rinovim i tokenit ${Date.now()}`;
  const p = await call('POST', `${W}/posts`, { master_text: text, channel_ids: [id] });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const s = await call('POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 1000).toISOString() });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  const pub = await waitFor(async () => {
    const x = (await call('GET', `${W}/posts/${p.body.post.id}/publications`)).body.publications[0];
    return x && ['published', 'failed'].includes(x.state) ? x : null;
  }, { timeout: 25000, what: 'the publication' });
  assert.equal(pub.state, 'published', JSON.stringify(pub));
  const got = graph.renewals.slice(from);
  assert.equal(got.length, 1, 'one renewal');
  assert.deepEqual(got[0].query, { grant_type: 'th_refresh_token', access_token: TH });
  const fresh = got[0].issued;
  const calls = graph.requests.slice(reqFrom).filter((d) => d.kind !== 'renew');
  assert.ok(calls.length >= 2, 'a container and its publication');
  for (const d of calls) {
    const used = d.headers.authorization?.slice(7) || d.query?.access_token || d.body?.access_token;
    assert.notEqual(used, TH, `${d.method} ${d.path}: not the old token`);
  }
  assert.ok(calls.every((d) => d.status === 200), JSON.stringify(calls.map((d) => [d.path, d.status])));
  assert.equal(graph.threads.filter((t) => t.text === text).length, 1, 'one post on Threads');
  // the next refresh starts from the renewed token
  const r = await refresh(id);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(graph.renewals.at(-1).query.access_token, fresh);
});

test('a token Meta no longer renews: oauth.invalid_grant, the channel needs reconnecting', async () => {
  const id = await channel('threads', { base_url: graph.threadsUrl, handle: 'kanal', secrets: { access_token: TH } });
  graph.revokeRenewals();
  const from = graph.renewals.length;
  const r = await refresh(id);
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.equal(r.body.code, 'oauth.invalid_grant');
  assert.equal(graph.renewals.length, from + 1);
  assert.equal(graph.renewals.at(-1).status, 400);
  assert.equal(await status(id), 'needs_reconnect');
});

test('Mastodon tokens do not expire; an X channel without a refresh token has nothing to refresh with', async () => {
  const m = await channel('mastodon', { base_url: 'https://mastodon.example', handle: '@k@mastodon.example', secrets: { access_token: 'mt-' + rnd() } });
  const r = await refresh(m);
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.equal(r.body.code, 'oauth.no_expiry');
  assert.equal(await status(m), 'connected');
  const x = await channel('x', { base_url: 'https://api.x.com', handle: '@k', secrets: { access_token: 'xt-' + rnd() } });
  const r2 = await refresh(x);
  assert.equal(r2.status, 409, JSON.stringify(r2.body));
  assert.equal(r2.body.code, 'oauth.no_refresh_token');
});

test('no token or app secret appears in any answer or log line', () => {
  const secrets = [USER, PAGE, TH, IGT, APP_SECRET, ...graph.renewed.user, ...graph.renewed.threads, ...graph.renewed.ig];
  assert.ok(secrets.length >= 9);
  const log = srv.stderr();
  assert.ok(log.includes('oauth: refreshed the tokens'));
  for (const s of secrets) {
    assert.ok(!log.includes(s), 'a secret in the log');
    for (const a of answers) assert.ok(!a.includes(s), 'a secret in an answer');
  }
});
