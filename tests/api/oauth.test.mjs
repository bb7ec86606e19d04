// Connecting a channel by OAuth 2.0 + PKCE and refreshing its tokens
// (issue 4), against a real authorization server (npm oidc-provider, see
// _oidc.mjs) that requires PKCE and a client secret: the flow connects the
// channel with a token the provider accepts; a state from another session,
// a spent or expired state, a changed PKCE challenge and a refusal at the
// consent page store nothing; a refresh rotates the tokens at the
// provider, keeps the refresh token when the answer has none, survives a
// provider that is down, and marks the channel for reconnecting when the
// refresh token was revoked. No token appears in any answer or log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startServer, api, login } from '../lib/server.mjs';
import { tapi, cliToken, DEMO } from './_helpers.mjs';
import { startOidc, freePort } from './_oidc.mjs';

const W = '/api/v1/workspaces/1';
const SECRET = 'csecret-' + crypto.randomBytes(16).toString('hex');
let srv;
let op;
let base;
let owner;
const answers = [];

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  op = await startOidc({ redirectUri: `${base}/oauth/callback`, clientSecret: SECRET });
  srv = await startServer({
    demo: true,
    args: ['--listen', `127.0.0.1:${port}`],
    env: {
      KANAL_NET_ALLOW_LOOPBACK: '1',
      KANAL_PUBLIC_URL: base,
      KANAL_OAUTH_X_CLIENT_ID: 'kanal-test',
      KANAL_OAUTH_X_CLIENT_SECRET: SECRET,
      KANAL_OAUTH_X_AUTHORIZE_URL: `${op.url}/auth`,
      KANAL_OAUTH_X_TOKEN_URL: `${op.url}/token`,
      KANAL_OAUTH_X_USERINFO_URL: `${op.url}/me`,
      KANAL_OAUTH_X_API_URL: op.url,
      KANAL_OAUTH_X_SCOPES: 'openid',
    },
  });
  owner = await login(base, DEMO.owner);
});

after(async () => {
  await srv?.stop();
  await op?.stop();
});

const as = async (who, method, path, body) => {
  const r = await api(base, method, path, { body, cookie: who.cookie, csrf: who.csrf, origin: base });
  answers.push(JSON.stringify(r.body) + JSON.stringify([...r.headers]));
  return r;
};

async function newChannel(name) {
  const c = await as(owner, 'POST', `${W}/channels`, { network: 'x', name });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  return c.body.channel.id;
}

async function start(who, id, body = {}) {
  const r = await as(who, 'POST', `${W}/channels/${id}/oauth`, body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

// The browser returns to kanal: the callback with the session's cookie.
async function callback(who, url) {
  const u = new URL(url);
  return as(who, 'GET', u.pathname + u.search);
}

async function account(id) {
  const r = await as(owner, 'GET', `${W}/channels/${id}`);
  return r.body.channel.account;
}

const lastIssued = () => op.state.issued[op.state.issued.length - 1];

async function connect(id) {
  const s = await start(owner, id);
  const back = await op.authorize(s.authorize_url);
  const r = await callback(owner, back);
  assert.equal(r.status, 303, JSON.stringify(r.body));
  assert.equal(r.headers.get('location'), `${base}/#/ws/1/channels?connected=${id}`);
  return back;
}

test('an API token cannot start an OAuth connection: the callback needs the browser session', async () => {
  const token = cliToken(srv.db, 1, 'owner', 'oauth-test');
  const id = await newChannel('X by token');
  const r = await tapi(base, token, 'POST', `${W}/channels/${id}/oauth`, {});
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'oauth.session_required');
});

test('a network whose app the admin has not configured answers oauth.not_configured', async () => {
  const c = await as(owner, 'POST', `${W}/channels`, { network: 'linkedin', name: 'LinkedIn' });
  const r = await as(owner, 'POST', `${W}/channels/${c.body.channel.id}/oauth`, {});
  assert.equal(r.status, 409);
  assert.equal(r.body.code, 'oauth.not_configured');
  assert.match(r.body.detail || r.body.message || JSON.stringify(r.body), /KANAL_OAUTH_LINKEDIN_CLIENT_ID/);
});

test('the flow connects the channel with a token the provider accepts (PKCE S256, client_secret_basic)', async () => {
  const id = await newChannel('X ok');
  const s = await start(owner, id);
  const u = new URL(s.authorize_url);
  assert.equal(u.origin + u.pathname, `${op.url}/auth`);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(u.searchParams.get('redirect_uri'), `${base}/oauth/callback`);
  assert.ok(u.searchParams.get('state').length >= 43, 'a state of at least 32 bytes');
  assert.ok(Date.parse(s.expires_at) - Date.now() > 9 * 60 * 1000);
  const before = op.state.tokenRequests.length;
  const back = await op.authorize(s.authorize_url);
  const r = await callback(owner, back);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `${base}/#/ws/1/channels?connected=${id}`);
  // what kanal sent to the token endpoint
  const tr = op.state.tokenRequests[before];
  const form = new URLSearchParams(tr.body);
  assert.equal(form.get('grant_type'), 'authorization_code');
  assert.match(form.get('code_verifier'), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(tr.auth, 'Basic ' + Buffer.from(`kanal-test:${SECRET}`).toString('base64'));
  assert.equal(form.get('client_secret'), null, 'the secret travels only in the Authorization header');
  // the stored account
  const acc = await account(id);
  assert.equal(acc.status, 'connected');
  assert.equal(acc.summary, 'drita');
  // the token kanal got works at the provider (introspection, and kanal's own userinfo call)
  const got = lastIssued();
  assert.equal((await op.introspect(got.access_token)).active, true);
  assert.ok(got.refresh_token);
  assert.equal(op.state.bearers[op.state.bearers.length - 1], `Bearer ${got.access_token}`);
  // the state is spent
  const again = await callback(owner, back);
  assert.equal(again.status, 400);
  assert.equal(again.body.code, 'oauth.state_invalid');
  // audited without any secret
  const audit = await as(owner, 'GET', `${W}/audit`);
  const entry = audit.body.entries.find((x) => x.action === 'channel.account_connect' && x.target === `channel:${id}`);
  assert.ok(entry, JSON.stringify(audit.body.entries[0]));
  assert.match(JSON.stringify(entry), /"via":"oauth"/);
});

test('a state from another session, an expired state and a forged one store nothing', async () => {
  const id = await newChannel('X states');
  const other = await login(base, DEMO.owner); // the same person, another browser
  const s = await start(owner, id);
  const back = await op.authorize(s.authorize_url);
  const r = await callback(other, back);
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'oauth.state_invalid');
  assert.equal(await account(id), null);
  // expired: the clock of the state runs out
  const s2 = await start(owner, id);
  const back2 = await op.authorize(s2.authorize_url);
  execFileSync('sqlite3', [srv.db, 'UPDATE oauth_states SET expires_at = 1 WHERE used_at IS NULL']);
  const r2 = await callback(owner, back2);
  assert.equal(r2.status, 400);
  assert.equal(r2.body.code, 'oauth.state_invalid');
  // forged
  const r3 = await as(owner, 'GET', `/oauth/callback?code=abc&state=${'A'.repeat(43)}`);
  assert.equal(r3.status, 400);
  assert.equal(r3.body.code, 'oauth.state_invalid');
  assert.equal(await account(id), null);
});

test('a changed PKCE challenge and a refusal at the consent page store nothing', async () => {
  const id = await newChannel('X refused');
  const s = await start(owner, id);
  const u = new URL(s.authorize_url);
  u.searchParams.set('code_challenge', crypto.createHash('sha256').update('attacker').digest('base64url'));
  const back = await op.authorize(u.toString());
  const r = await callback(owner, back);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `${base}/#/ws/1/channels?oauth_error=oauth.exchange_refused`);
  assert.equal(await account(id), null);
  op.state.deny = true;
  try {
    const s2 = await start(owner, id);
    const back2 = await op.authorize(s2.authorize_url);
    assert.equal(new URL(back2).searchParams.get('error'), 'access_denied');
    const r2 = await callback(owner, back2);
    assert.equal(r2.status, 303);
    assert.equal(r2.headers.get('location'), `${base}/#/ws/1/channels?oauth_error=oauth.denied`);
  } finally {
    op.state.deny = false;
  }
  assert.equal(await account(id), null);
});

test('refresh rotates the tokens at the provider; an answer without refresh_token keeps the old one', async () => {
  const id = await newChannel('X refresh');
  await connect(id);
  const first = lastIssued();
  const r = await as(owner, 'POST', `${W}/channels/${id}/oauth/refresh`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const second = lastIssued();
  const sent = new URLSearchParams(op.state.tokenRequests[op.state.tokenRequests.length - 1].body);
  assert.equal(sent.get('grant_type'), 'refresh_token');
  assert.equal(sent.get('refresh_token'), first.refresh_token);
  assert.notEqual(second.access_token, first.access_token);
  assert.notEqual(second.refresh_token, first.refresh_token);
  assert.equal((await op.introspect(second.access_token)).active, true);
  assert.equal((await op.introspect(first.refresh_token)).active, false, 'the old refresh token was spent');
  // a provider that answers without a refresh token (and does not rotate)
  op.state.mode = 'strip';
  try {
    const r2 = await as(owner, 'POST', `${W}/channels/${id}/oauth/refresh`);
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
  } finally {
    op.state.mode = 'normal';
  }
  const r3 = await as(owner, 'POST', `${W}/channels/${id}/oauth/refresh`);
  assert.equal(r3.status, 200, JSON.stringify(r3.body));
  const sent3 = new URLSearchParams(op.state.tokenRequests[op.state.tokenRequests.length - 1].body);
  assert.equal(sent3.get('refresh_token'), second.refresh_token, 'the kept refresh token was used');
  assert.equal((await account(id)).status, 'connected');
});

test('a provider that is down leaves the channel connected; a revoked refresh token asks for a reconnect', async () => {
  const id = await newChannel('X down');
  await connect(id);
  op.state.mode = 'down';
  try {
    const r = await as(owner, 'POST', `${W}/channels/${id}/oauth/refresh`);
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'oauth.unreachable');
  } finally {
    op.state.mode = 'normal';
  }
  assert.equal((await account(id)).status, 'connected');
  assert.equal(await op.revoke(lastIssued().refresh_token), 200);
  const r2 = await as(owner, 'POST', `${W}/channels/${id}/oauth/refresh`);
  assert.equal(r2.status, 409);
  assert.equal(r2.body.code, 'oauth.invalid_grant');
  assert.equal((await account(id)).status, 'needs_reconnect');
  // a reconnect of the same account makes it connected again
  await connect(id);
  assert.equal((await account(id)).status, 'connected');
});

test('no token or client secret appears in any answer, the server log or the database in clear', async () => {
  const secrets = [SECRET];
  for (const t of op.state.issued) {
    if (t.access_token) secrets.push(t.access_token);
    if (t.refresh_token) secrets.push(t.refresh_token);
  }
  assert.ok(secrets.length > 5);
  const log = srv.stderr();
  const dump = execFileSync('sqlite3', [srv.db, '.dump'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  for (const s of secrets) {
    assert.ok(!log.includes(s), 'a token in the log');
    assert.ok(!dump.includes(s), 'a token in the database');
    for (const a of answers) assert.ok(!a.includes(s), 'a token in an answer');
  }
  assert.deepEqual(op.state.errors, []);
});
