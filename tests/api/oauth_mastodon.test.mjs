// Connecting Mastodon channels by OAuth (issue 4), against the strict local
// instance of _mastodon_oauth.mjs (app registration, authorize with PKCE
// S256, single-use codes, the client's secret, verify_credentials): two
// channels on one instance share one registration; the connected channel
// publishes a status with the token the flow got; a changed PKCE challenge
// and a refusal store nothing; a registration whose sealed row no longer
// opens is replaced by a fresh one; `kanal key rotate` re-encrypts the
// instance app and the PKCE verifier of an authorization in flight, which
// still completes after the restart. No token or client secret appears in
// any answer, log line or the database in clear.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KANAL_BIN, kanal, api, login } from '../lib/server.mjs';
import { DEMO } from './_helpers.mjs';
import { waitFor } from './_webhook.mjs';
import { freePort } from './_oidc.mjs';
import { startMastodonOAuth } from './_mastodon_oauth.mjs';

const W = '/api/v1/workspaces/1';
let dir, db, port, base, masto, srv, owner;
let log = '';
const answers = [];

const env = () => {
  const e = {
    ...process.env, KANAL_LOG_LEVEL: 'info', KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '300',
    KANAL_PUBLIC_URL: base,
  };
  delete e.KANAL_SECRET_KEY;
  delete e.KANAL_SECRET_KEYS_OLD;
  return e;
};

// `kanal serve` on the test database at the fixed port (the redirect URI
// the instance app is registered with); stop() sends SIGTERM and waits.
async function serve() {
  const proc = spawn(KANAL_BIN, ['--db', db, 'serve', '--listen', `127.0.0.1:${port}`], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const add = (d) => { err += d; log += d; };
  proc.stderr.on('data', add);
  proc.stdout.on('data', add);
  await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(err), { timeout: 20000, what: 'kanal serve' });
  const stop = () => new Promise((res, rej) => {
    if (proc.exitCode !== null) return res();
    proc.on('exit', (code) => {
      if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(err)) rej(new Error('sanitizer report:\n' + err));
      else if (code !== 0) rej(new Error(`kanal serve exited ${code}:\n${err}`));
      else res();
    });
    process.kill(proc.pid, 'SIGTERM');
  });
  return { stop };
}

const sql = (q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kanal-moauth-'));
  db = join(dir, 'kanal.db');
  kanal(db, ['demo', '--no-serve']);
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  masto = await startMastodonOAuth();
  srv = await serve();
  owner = await login(base, DEMO.owner);
});

after(async () => {
  await srv?.stop();
  await masto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const as = async (method, path, body) => {
  const r = await api(base, method, path, { body, cookie: owner.cookie, csrf: owner.csrf, origin: base });
  answers.push(JSON.stringify(r.body) + JSON.stringify([...r.headers]));
  return r;
};

async function newChannel(name) {
  const c = await as('POST', `${W}/channels`, { network: 'mastodon', name });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  return c.body.channel.id;
}

async function start(id) {
  const r = await as('POST', `${W}/channels/${id}/oauth`, { instance_url: masto.url });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const callback = (url) => {
  const u = new URL(url);
  return as('GET', u.pathname + u.search);
};

async function connect(id) {
  const s = await start(id);
  const back = await masto.authorize(s.authorize_url);
  assert.ok(back.startsWith(`${base}/oauth/callback?`), back);
  const r = await callback(back);
  assert.equal(r.status, 303, JSON.stringify(r.body));
  assert.equal(r.headers.get('location'), `${base}/#/ws/1/channels?connected=${id}`);
}

const account = async (id) => (await as('GET', `${W}/channels/${id}`)).body.channel.account;
const registrations = () => masto.requests.filter((d) => d.path === '/api/v1/apps');
const tokenCalls = () => masto.requests.filter((d) => d.path === '/oauth/token');

test('two channels on one instance: one registration, each connected by code + PKCE with the client secret', async () => {
  const a = await newChannel('Mastodon A');
  const b = await newChannel('Mastodon B');
  const s = await start(a);
  assert.equal(registrations().length, 1);
  const reg = JSON.parse(registrations()[0].raw);
  assert.equal(reg.client_name, 'kanal');
  assert.equal(reg.redirect_uris, `${base}/oauth/callback`);
  assert.deepEqual(reg.scopes.split(' ').sort(), ['read:statuses', 'write:media', 'write:statuses']);
  const app = masto.oauth.apps[0];
  const u = new URL(s.authorize_url);
  assert.equal(u.origin + u.pathname, `${masto.url}/oauth/authorize`);
  assert.equal(u.searchParams.get('client_id'), app.client_id);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  const back = await masto.authorize(s.authorize_url);
  const r = await callback(back);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `${base}/#/ws/1/channels?connected=${a}`);
  const form = new URLSearchParams(tokenCalls()[0].raw);
  assert.equal(form.get('grant_type'), 'authorization_code');
  assert.equal(form.get('client_id'), app.client_id);
  assert.equal(form.get('client_secret'), app.client_secret);
  assert.equal(form.get('redirect_uri'), `${base}/oauth/callback`);
  assert.equal(tokenCalls()[0].status, 200);
  const acc = await account(a);
  assert.equal(acc.status, 'connected');
  assert.equal(acc.summary, `@kanal@127.0.0.1:${masto.port}`);
  // verify_credentials was read with the token the flow got
  const who = masto.requests.filter((d) => d.path === '/api/v1/accounts/verify_credentials');
  assert.equal(who.length, 1);
  assert.equal(who[0].headers.authorization, `Bearer ${masto.oauth.issued[0].access_token}`);
  // the second channel reuses the registration
  await connect(b);
  assert.equal(registrations().length, 1, 'one registration per instance');
  assert.equal(masto.oauth.issued.length, 2);
  assert.equal((await account(b)).status, 'connected');
  assert.deepEqual(masto.oauth.errors, []);
  assert.equal(Number(sql('SELECT count(*) FROM oauth_instance_apps')), 1);
});

test('the connected channel publishes a status with the token the flow got', async () => {
  const id = await newChannel('Mastodon publish');
  await connect(id);
  const tok = masto.oauth.issued[masto.oauth.issued.length - 1].access_token;
  const text = `Lajme nga Tirana ${Date.now()}`;
  const p = await as('POST', `${W}/posts`, { master_text: text, channel_ids: [id] });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const s = await as('POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 1500).toISOString() });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  const pub = await waitFor(async () => {
    const r = await as('GET', `${W}/posts/${p.body.post.id}/publications`);
    const x = r.body.publications?.[0];
    return x && ['published', 'failed'].includes(x.state) ? x : null;
  }, { timeout: 20000, what: 'the publication' });
  assert.equal(pub.state, 'published', JSON.stringify(pub));
  const posts = masto.posts().filter((d) => d.body?.status === text);
  assert.equal(posts.length, 1, 'one POST');
  assert.equal(posts[0].status, 200);
  assert.equal(posts[0].headers.authorization, `Bearer ${tok}`);
  assert.equal(masto.statuses.filter((x) => x.text === text).length, 1);
});

test('a changed PKCE challenge and a refusal store nothing', async () => {
  const id = await newChannel('Mastodon refused');
  const s = await start(id);
  const u = new URL(s.authorize_url);
  u.searchParams.set('code_challenge', crypto.createHash('sha256').update('attacker').digest('base64url'));
  const r = await callback(await masto.authorize(u.toString()));
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `${base}/#/ws/1/channels?oauth_error=oauth.exchange_refused`);
  assert.equal(masto.oauth.errors.at(-1).description, 'code_verifier does not match');
  assert.equal(await account(id), null);
  masto.oauth.deny = true;
  try {
    const s2 = await start(id);
    const r2 = await callback(await masto.authorize(s2.authorize_url));
    assert.equal(r2.headers.get('location'), `${base}/#/ws/1/channels?oauth_error=oauth.denied`);
  } finally {
    masto.oauth.deny = false;
  }
  assert.equal(await account(id), null);
  masto.oauth.errors.length = 0;
});

test('an instance app that can no longer be opened is replaced by a fresh registration', async () => {
  const before = registrations().length;
  const old = sql('SELECT client_enc FROM oauth_instance_apps');
  // sealed under a key kanal no longer has
  sql(`UPDATE oauth_instance_apps SET client_enc = 'k00000000.${crypto.randomBytes(60).toString('base64url')}'`);
  const id = await newChannel('Mastodon re-registered');
  await connect(id);
  assert.equal(registrations().length, before + 1, 'registered again');
  const now = sql('SELECT client_enc FROM oauth_instance_apps');
  assert.equal(Number(sql('SELECT count(*) FROM oauth_instance_apps')), 1);
  assert.notEqual(now, old);
  assert.ok(!now.startsWith('k00000000.'), 'the unreadable row was replaced');
  const app = masto.oauth.apps.at(-1);
  assert.equal(new URLSearchParams(tokenCalls().at(-1).raw).get('client_id'), app.client_id, 'the new app is used');
  assert.equal((await account(id)).status, 'connected');
  // and kept: the next connection reuses it
  await connect(await newChannel('Mastodon after'));
  assert.equal(registrations().length, before + 1);
  assert.deepEqual(masto.oauth.errors, []);
});

test('kanal key rotate re-encrypts the instance app and an authorization in flight', async () => {
  const id = await newChannel('Mastodon rotation');
  const s = await start(id);
  const back = await masto.authorize(s.authorize_url); // the person approved; kanal restarts meanwhile
  const appBefore = sql('SELECT client_enc FROM oauth_instance_apps');
  const stateBefore = sql('SELECT verifier_enc FROM oauth_states WHERE used_at IS NULL');
  assert.ok(stateBefore);
  await srv.stop();
  srv = null;
  const r = spawnSync(KANAL_BIN, ['--db', db, 'key', 'rotate'], { env: env(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(join(dir, 'kanal.key'), 'utf8'), /^2:[0-9a-f]{64}\n$/, 'the old key is dropped');
  const appAfter = sql('SELECT client_enc FROM oauth_instance_apps');
  const stateAfter = sql('SELECT verifier_enc FROM oauth_states WHERE used_at IS NULL');
  assert.notEqual(appAfter.split('.')[0], appBefore.split('.')[0], 'the app is under the new key');
  assert.notEqual(stateAfter.split('.')[0], stateBefore.split('.')[0], 'the verifier is under the new key');
  srv = await serve();
  const regs = registrations().length;
  const r2 = await callback(back);
  assert.equal(r2.status, 303, JSON.stringify(r2.body));
  assert.equal(r2.headers.get('location'), `${base}/#/ws/1/channels?connected=${id}`);
  assert.equal((await account(id)).status, 'connected');
  await connect(await newChannel('Mastodon after rotation'));
  assert.equal(registrations().length, regs, 'the re-encrypted app is still used');
  assert.deepEqual(masto.oauth.errors, []);
});

test('no token or client secret appears in any answer, the server log or the database in clear', () => {
  const secrets = masto.oauth.issued.map((t) => t.access_token);
  for (const a of masto.oauth.apps) secrets.push(a.client_secret);
  assert.ok(secrets.length >= 6);
  const dump = execFileSync('sqlite3', [db, '.dump'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  for (const s of secrets) {
    assert.ok(!log.includes(s), 'a secret in the log');
    assert.ok(!dump.includes(s), 'a secret in the database');
    for (const a of answers) assert.ok(!a.includes(s), 'a secret in an answer');
  }
});
