// Key rotation (issue 4, ../shared/SECURITY.md "Tokens at rest"): webhook
// credentials connected through the API are sealed under the key file's
// key; `kanal key rotate` re-encrypts every sealed value under a new key
// with the next id (each value carries the new key id and differs from
// before), drops the old key, and a restarted server still signs webhook
// deliveries with the right secret. A rotation interrupted inside its
// transaction (KANAL_TEST_RESEAL_FAIL_AFTER, compiled only into the test
// build) changes nothing and leaves the old key file. The environment mode
// (KANAL_SECRET_KEY) needs --new-key and accepts KANAL_SECRET_KEYS_OLD. No
// plain secret in the database files or the key file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KANAL_BIN, kanal } from '../lib/server.mjs';
import { tapi, cliToken } from './_helpers.mjs';
import { startReceiver, waitFor } from './_webhook.mjs';

const SECRET = 'whsec-' + crypto.randomBytes(18).toString('hex');
const W = '/api/v1/workspaces/1';
const baseEnv = () => {
  const env = { ...process.env, KANAL_LOG_LEVEL: 'warn', KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '300' };
  delete env.KANAL_SECRET_KEY;
  delete env.KANAL_SECRET_KEYS_OLD;
  return env;
};
let dir, db, rcv, token;
const chans = [];

// `kanal serve` on the test database; stop() sends SIGTERM and waits.
async function serve(env = {}) {
  const proc = spawn(KANAL_BIN, ['--db', db, 'serve', '--listen', '127.0.0.1:0'], {
    env: { ...baseEnv(), KANAL_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  proc.stdout.on('data', (d) => { err += d; });
  const port = await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err)?.[1], { timeout: 20000, what: 'kanal serve' });
  const stop = () => new Promise((res, rej) => {
    if (proc.exitCode !== null) return res();
    proc.on('exit', (code) => {
      if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(err)) rej(new Error('sanitizer report:\n' + err));
      else if (code !== 0) rej(new Error(`kanal serve exited ${code}:\n${err}`));
      else res();
    });
    process.kill(proc.pid, 'SIGTERM');
  });
  return { url: `http://127.0.0.1:${port}`, stop, log: () => err };
}

function run(args, env = {}, input = '') {
  return spawnSync(KANAL_BIN, ['--db', db, ...args], { env: { ...baseEnv(), ...env }, encoding: 'utf8', input });
}

function sealed() {
  const out = execFileSync('sqlite3', ['-separator', '|', db,
    'SELECT channel_id, secrets_enc, coalesce(state_enc, \'\') FROM channel_accounts ORDER BY channel_id'], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((l) => {
    const [ch, sec, state] = l.split('|');
    return { ch: Number(ch), sec, state };
  });
}

const kidOf = (v) => v.split('.')[0];

function status(env = {}) {
  const r = run(['key', 'status'], env);
  assert.equal(r.status, 0, r.stderr);
  const m = /current key: (\S+) \((k[0-9a-f]{8})\)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return { id: m[1], kid: m[2], text: r.stdout };
}

function noPlainSecret() {
  for (const f of ['kanal.db', 'kanal.db-wal', 'kanal.db-shm', 'kanal.key']) {
    const p = join(dir, f);
    if (existsSync(p)) assert.ok(!readFileSync(p).includes(SECRET), `${f} holds no plain secret`);
  }
}

// Schedule a post on the channels 1.5 s ahead and wait for signed deliveries.
async function publishes(srv, path) {
  const call = (m, p, b) => tapi(srv.url, token, m, p, b);
  const before = rcv.to(path).length;
  const p = await call('POST', `${W}/posts`, { master_text: `Rotation check ${Date.now()}`, channel_ids: [chans[0]] });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const s = await call('POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 1500).toISOString() });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  const d = await waitFor(() => rcv.to(path).slice(before).find((x) => x.sigOk), { timeout: 20000, what: 'a signed delivery\n' + srv.log() });
  assert.equal(d.sigOk, true);
  await waitFor(async () => (await call('GET', `${W}/posts/${p.body.post.id}`)).body.post.state === 'published', { what: 'published' });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kanal-key-'));
  db = join(dir, 'kanal.db');
  kanal(db, ['demo', '--no-serve']);
  rcv = await startReceiver(SECRET);
  const srv = await serve();
  token = cliToken(db, 1, 'owner', 'key-test');
  const call = (m, p, b) => tapi(srv.url, token, m, p, b);
  try {
    for (const name of ['Key hook A', 'Key hook B']) {
      const c = await call('POST', `${W}/channels`, { network: 'webhook', name });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, { url: rcv.url + '/ok', secret: SECRET });
      assert.equal(a.status, 200, JSON.stringify(a.body));
      chans.push(c.body.channel.id);
    }
    await publishes(srv, '/ok');
  } finally {
    await srv.stop();
  }
});

after(async () => {
  await rcv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('key rotate --help and status before any rotation', () => {
  const h = run(['key', 'rotate', '--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /usage: kanal key rotate/);
  const s = status();
  assert.equal(s.id, '1');
  const rows = sealed();
  assert.ok(rows.length >= 2);
  for (const r of rows) assert.equal(kidOf(r.sec), s.kid);
  assert.match(s.text, new RegExp(`key 1 ${s.kid}: ${rows.length} sealed value`));
  assert.match(readFileSync(join(dir, 'kanal.key'), 'utf8'), /^1:[0-9a-f]{64}\n$/);
  noPlainSecret();
});

test('an interrupted rotation changes nothing', () => {
  const keyBefore = readFileSync(join(dir, 'kanal.key'), 'utf8');
  const rows = sealed();
  const r = run(['key', 'rotate'], { KANAL_TEST_RESEAL_FAIL_AFTER: '1' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /reseal_test_failure/);
  assert.deepEqual(sealed(), rows, 'the transaction rolled back: every value as before');
  assert.equal(readFileSync(join(dir, 'kanal.key'), 'utf8'), keyBefore, 'the key file as before');
  assert.equal(status().id, '1');
});

test('rotate re-encrypts every sealed value under key 2; the restarted server publishes', async () => {
  const old = status();
  const rows = sealed();
  const r = run(['key', 'rotate']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /key 2 \(k[0-9a-f]{8}\) is now current/);
  const now = status();
  assert.equal(now.id, '2');
  assert.notEqual(now.kid, old.kid);
  const after = sealed();
  assert.equal(after.length, rows.length);
  for (const [i, a] of after.entries()) {
    assert.equal(kidOf(a.sec), now.kid, `channel ${a.ch}: the new key id`);
    assert.notEqual(a.sec, rows[i].sec);
    if (a.state) assert.equal(kidOf(a.state), now.kid);
  }
  assert.match(now.text, new RegExp(`key 2 ${now.kid}: ${rows.length} sealed value`));
  assert.match(readFileSync(join(dir, 'kanal.key'), 'utf8'), /^2:[0-9a-f]{64}\n$/, 'the old key is dropped');
  noPlainSecret();
  const srv = await serve();
  try {
    await publishes(srv, '/ok');
  } finally {
    await srv.stop();
  }
});

test('environment mode: --new-key needed; KANAL_SECRET_KEYS_OLD opens older values', async () => {
  const cur = readFileSync(join(dir, 'kanal.key'), 'utf8').trim().split(':')[1];
  const next = crypto.randomBytes(32).toString('hex');
  const no = run(['key', 'rotate'], { KANAL_SECRET_KEY: cur });
  assert.equal(no.status, 1);
  assert.match(no.stderr, /key\.new_key_needed/);
  const bad = run(['key', 'rotate', '--new-key', 'xyz'], { KANAL_SECRET_KEY: cur });
  assert.equal(bad.status, 1);
  // through standard input: the key is not on the command line
  const r = run(['key', 'rotate', '--new-key', '-'], { KANAL_SECRET_KEY: cur }, next + '\n');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /KANAL_SECRET_KEY=/);
  assert.match(r.stdout, /KANAL_SECRET_KEYS_OLD=/);
  assert.ok(!r.stdout.includes(next) && !r.stdout.includes(cur), 'no key printed');
  const s = status({ KANAL_SECRET_KEY: next });
  assert.equal(s.id, 'env');
  for (const a of sealed()) assert.equal(kidOf(a.sec), s.kid);
  // the old key alone no longer opens them; with the new one it publishes
  const srv = await serve({ KANAL_SECRET_KEY: next, KANAL_SECRET_KEYS_OLD: cur });
  try {
    await publishes(srv, '/ok');
  } finally {
    await srv.stop();
  }
  noPlainSecret();
});
