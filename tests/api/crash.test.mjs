// Exactly once across kill -9 (issue 4; ../shared/SECURITY.md promise 1 and
// its first reliability test): N posts published through a local webhook
// receiver while `kanal serve` is killed with SIGKILL at random moments —
// and, on purpose, right after the receiver answered and before kanal could
// commit what it heard — then restarted, several times. Afterwards every
// post is published exactly once or flagged unconfirmed; the receiver never
// accepted a key twice, and the receiver that does not promise to dedupe
// never got a key again after accepting it.
//
// Two channels: "plain" (the receiver is not declared idempotent: an
// interrupted call becomes unconfirmed) and "idem" (declared idempotent:
// an interrupted call is asked again with the same key, and the receiver's
// first answer settles it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import crypto from 'node:crypto';
import { KANAL_BIN, kanal, api, freshDb, dbEnv } from '../lib/server.mjs';
import { pool } from './_helpers.mjs';
import { startReceiver, waitFor, sleep } from './_webhook.mjs';

const N = 500;
const SECRET = 'crash-' + crypto.randomBytes(16).toString('hex');
const KEY = crypto.randomBytes(32).toString('hex');

// One `kanal serve` at a time on the same database, restarted whenever it dies
// until stop() is called.
function manager(db) {
  const m = { proc: null, url: null, kills: 0, starts: 0, stopping: false, logs: [] };
  m.start = () => new Promise((resolve, reject) => {
    const proc = spawn(KANAL_BIN, ['--db', db, 'serve', '--listen', '127.0.0.1:0'], {
      env: { ...process.env, ...dbEnv(db), KANAL_LOG_LEVEL: 'warn', KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_SECRET_KEY: KEY, KANAL_RETRY_BASE_MS: '200' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const log = { text: '' };
    m.logs.push(log);
    m.proc = proc;
    m.url = null;
    m.starts += 1;
    proc.stderr.on('data', (d) => {
      log.text += d;
      const mm = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log.text);
      if (mm && !m.url && m.proc === proc) { m.url = mm[1]; resolve(); }
    });
    proc.on('exit', (code, signal) => {
      log.exit = { code, signal };
      if (!m.url) reject(new Error(`kanal serve exited before listening: ${code} ${signal}\n${log.text}`));
      if (m.proc === proc) m.proc = null;
      if (!m.stopping && signal === 'SIGKILL') m.restarting = m.start().catch((e) => { m.error = e; });
    });
  });
  m.kill = () => {
    if (m.proc && m.url && !m.proc.killed && !m.stopping) {
      m.kills += 1;
      m.proc.kill('SIGKILL');
    }
  };
  m.ready = async () => {
    await waitFor(() => m.proc && m.url && !m.proc.killed, { timeout: 20000, what: 'kanal to be up' });
    if (m.error) throw m.error;
  };
  m.stop = async () => {
    m.stopping = true;
    await m.restarting;
    const proc = m.proc;
    if (!proc) return null;
    const exit = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    proc.kill('SIGTERM');
    return exit;
  };
  return m;
}

test(`${N} posts through kill -9 at random moments: each published once or flagged unconfirmed, none doubled`, { timeout: 120000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kanal-crash-'));
  const db = freshDb(dir);
  const rcv = await startReceiver(SECRET);
  const m = manager(db);
  try {
    kanal(db, ['migrate']);
    kanal(db, ['workspace', 'add', 'Crash test', '--timezone', 'UTC']);
    const token = kanal(db, ['token', 'create', '1', '--role', 'owner', '--name', 'crash']).trim().split('\n').pop().trim();
    await m.start();
    const call = (method, path, body) => api(m.url, method, path, { body, token });
    const W = '/api/v1/workspaces/1';
    const chans = {};
    for (const [name, idem] of [['plain', false], ['idem', true]]) {
      const c = await call('POST', `${W}/channels`, { network: 'webhook', name });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, { url: `${rcv.url}/${name}`, secret: SECRET, idempotent: idem, timeout_seconds: 5 });
      assert.equal(a.status, 200, JSON.stringify(a.body));
      chans[name] = c.body.channel.id;
    }

    // Receiver behaviour: mostly quick; some answers late (widening the
    // window between the answer and kanal's commit); some 503s (retried);
    // and for a few keys the receiver answers 200 and at once kills kanal:
    // killed between the network's answer and the commit, on purpose.
    const h = (key) => crypto.createHash('sha256').update(key).digest()[0];
    let answerKills = 0;
    let armed = false; // no kill while the test still talks to kanal
    const behave = (d) => {
      const x = h(d.key);
      if (armed && x % 41 === 7 && answerKills < 8) {
        return { status: 200, after: () => { answerKills += 1; m.kill(); } };
      }
      if (x % 17 === 3 && !rcv.deliveries.some((o) => o !== d && o.key === d.key)) return { status: 503, headers: { 'retry-after': '0' } };
      if (x % 5 === 0) return { status: 200, delay: 20 + (x % 7) * 30 };
      return { status: 200 };
    };
    rcv.behave('/plain', behave);
    rcv.behave('/idem', behave);

    // N drafts, alternating channels, then scheduled due over a window
    // starting a few seconds from now.
    const started = Date.now();
    const posts = await pool([...Array(N).keys()], 6, async (i) => {
      const p = await call('POST', `${W}/posts`, { master_text: `crash post ${i}`, channel_ids: [i % 2 ? chans.idem : chans.plain] });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      return p.body.post.id;
    });
    const t0 = Date.now() + 4000;
    await pool(posts, 6, async (id, i) => {
      const s = await call('POST', `${W}/posts/${id}/schedule`, { scheduled_at: new Date(t0 + i * 24).toISOString() });
      assert.equal(s.status, 200, JSON.stringify(s.body));
    });
    const lastDue = t0 + (N - 1) * 24;
    t.diagnostic(`made and scheduled ${N} posts in ${Date.now() - started} ms; due over ${lastDue - t0} ms`);
    armed = true;

    // Random kills until the last post is due, and a little after.
    const sql = (q) => (db.startsWith('postgres')
      ? execFileSync('psql', ['-At', '-d', db, '-c', q], { encoding: 'utf8' })
      : execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, q], { encoding: 'utf8' })).trim();
    const open = () => Number(sql("SELECT count(*) FROM publications WHERE state IN ('pending','publishing')"));
    while (Date.now() < lastDue + 2500 || (m.kills < 6 && Date.now() < lastDue + 15000)) {
      await sleep(600 + Math.floor(Math.random() * 1400));
      await m.ready();
      m.kill();
    }
    armed = false;
    await m.ready();
    // Let it finish.
    await waitFor(() => Number(sql('SELECT count(*) FROM publications')) === N && open() === 0,
      { timeout: 40000, every: 250, what: 'every publication to settle' });
    await m.ready();

    t.diagnostic(`exits: ${m.logs.map((l) => l.exit ? `${l.exit.code}/${l.exit.signal}` : 'running').join(' ')}`);
    for (const log of m.logs) if (log.exit && log.exit.signal !== 'SIGKILL') t.diagnostic(log.text.slice(-3000));
    // ---- the tally, through the API ----
    const byState = {};
    for (const state of ['published', 'unconfirmed', 'failed', 'missed', 'pending', 'publishing']) {
      const all = [];
      let before = 0;
      for (;;) {
        const r = await call('GET', `${W}/publications?state=${state}&limit=200${before ? `&before=${before}` : ''}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        all.push(...r.body.publications);
        if (r.body.publications.length < 200) break;
        before = r.body.publications[r.body.publications.length - 1].id;
      }
      byState[state] = all;
    }
    const published = byState.published;
    const unconfirmed = byState.unconfirmed;
    const perPost = new Map();
    for (const p of [...published, ...unconfirmed]) perPost.set(p.post_id, (perPost.get(p.post_id) || 0) + 1);
    t.diagnostic(`kills: ${m.kills} (${answerKills} right after the receiver's answer), starts: ${m.starts}; `
      + `published ${published.length}, unconfirmed ${unconfirmed.length}; deliveries ${rcv.deliveries.length}, `
      + `accepted ${rcv.accepted.size}, repeated keys answered from the receiver's memory ${rcv.deliveries.filter((d) => d.dup).length}`);

    // Every post accounted for: one publication each, published or unconfirmed.
    assert.deepEqual([byState.failed.length, byState.missed.length, byState.pending.length, byState.publishing.length], [0, 0, 0, 0],
      `nothing failed, missed or stuck: ${JSON.stringify(byState.failed.slice(0, 3).map((p) => p.last_error))}`);
    assert.equal(published.length + unconfirmed.length, N, 'every post accounted for');
    assert.equal(perPost.size, N, 'one publication per post');
    for (const id of posts) assert.equal(perPost.get(id), 1, `post ${id} has exactly one publication`);

    // Published means the receiver accepted that key, and kanal holds the receiver's id.
    for (const p of published) {
      const acc = rcv.accepted.get(p.idempotency_key);
      assert.ok(acc, `publication ${p.id} (${p.idempotency_key}) published, and the receiver accepted it`);
      assert.equal(p.remote_id, acc.body.id, `publication ${p.id}: the receiver's id`);
    }

    // The receiver accepted no key twice (it answers a repeat from memory),
    // and every acceptance is a post kanal knows.
    const acceptedOnce = new Map();
    for (const d of rcv.deliveries) if (d.status >= 200 && d.status < 300 && !d.dup) acceptedOnce.set(d.key, (acceptedOnce.get(d.key) || 0) + 1);
    const twice = [...acceptedOnce].filter(([, n]) => n > 1).map(([k]) => `${k} on ${rcv.deliveries.find((d) => d.key === k).path}`);
    assert.deepEqual(twice, [], '0 duplicates accepted');
    assert.ok(rcv.deliveries.every((d) => d.sigOk), 'every delivery signed');

    // The plain receiver never saw a key again once it had accepted it:
    // no blind second call.
    const plain = rcv.deliveries.filter((d) => d.path === '/plain');
    const seen = new Set();
    for (const d of plain) {
      assert.ok(!seen.has(d.key), `the plain receiver got ${d.key} again after accepting it`);
      if (d.status >= 200 && d.status < 300) seen.add(d.key);
    }
    // Unconfirmed only where kanal was interrupted: at most one per worker per kill.
    assert.ok(unconfirmed.length <= m.kills * 2, `${unconfirmed.length} unconfirmed for ${m.kills} kills`);
    for (const p of unconfirmed) {
      // The idempotent receiver settles every interruption it answers: an
      // unconfirmed post there must show that kanal asked it again and got
      // no answer in time (a loaded machine), never a guess.
      const asked = p.timeline.some((a) => a.kind === 'reconcile' && a.outcome === 'unknown');
      assert.ok(p.channel.id === chans.plain || asked,
        `the idempotent receiver settles every interruption it answers: ${JSON.stringify(p.timeline)}`);
      assert.ok(p.timeline.some((a) => a.outcome === 'interrupted' || a.outcome === 'unknown'), 'flagged for a reason');
    }
    assert.ok(m.kills >= 5, `killed ${m.kills} times`);
    assert.ok(answerKills >= 1, 'killed at least once between the answer and the commit');

    // Post states follow: published or unconfirmed, as their publication.
    const states = {};
    for (const state of ['published', 'unconfirmed']) {
      let before = 0;
      for (;;) {
        const r = await call('GET', `${W}/posts?state=${state}&limit=200${before ? `&before=${before}` : ''}`);
        for (const p of r.body.posts) states[p.id] = p.state;
        if (r.body.posts.length < 200) break;
        before = r.body.posts[r.body.posts.length - 1].id;
      }
    }
    for (const p of published) assert.equal(states[p.post_id], 'published', `post ${p.post_id}`);
    for (const p of unconfirmed) assert.equal(states[p.post_id], 'unconfirmed', `post ${p.post_id}`);

    const exit = await m.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, 'a clean SIGTERM at the end');
    for (const log of m.logs) assert.doesNotMatch(log.text, /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/);
  } finally {
    await m.stop();
    await rcv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
