// Learned rate limits (issue 4, Jobs): 10,000 publications due within one
// minute across 20 webhook channels on one receiver that enforces a window
// per channel and one per app (all channels) with RateLimit headers and
// 429. kanal learns both windows from the answers and holds calls until
// they reset: every publication goes out exactly once, each channel's
// posts arrive in due order, 429s stay rare, and the run takes about the
// time the limits allow. Held jobs cost no attempt; /metrics counts them.
// Finished jobs are purged after their retention, publications and
// attempts never. The webhook secret is in no answer and no log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { tapi, cliToken, pool } from './_helpers.mjs';
import { waitFor } from './_webhook.mjs';
import { startLimited } from './_ratelimited.mjs';

const SECRET = 'whsec-' + crypto.randomBytes(18).toString('hex');
const W = '/api/v1/workspaces/1';
// The load: POSTS posts, each on every one of CHANNELS channels, due one
// STEP_MS after another (all within one minute).
const CHANNELS = Number(process.env.RATE_CHANNELS || 20);
const POSTS = Number(process.env.RATE_POSTS || 500);
const STEP_MS = 10;
// The receiver's limits.
const WINDOW_MS = 3000;
const PER_CHANNEL = Number(process.env.RATE_PER_CHANNEL || 30);
const PER_APP = Number(process.env.RATE_PER_APP || 500);
const WORKERS = Number(process.env.RATE_WORKERS || 4);

let srv;
let rcv;
let token;
const answers = [];

before(async () => {
  rcv = await startLimited(SECRET, { windowMs: WINDOW_MS, perChannel: PER_CHANNEL, perApp: PER_APP });
  srv = await startServer({
    demo: true,
    env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_WORKERS: String(WORKERS), KANAL_RETRY_BASE_MS: '400', KANAL_JOBS_DONE_KEEP_S: '2' },
  });
  token = cliToken(srv.db, 1, 'owner', 'rate-test');
});

after(async () => {
  await srv?.stop();
  await rcv?.stop();
});

const call = async (method, path, body) => {
  const r = await tapi(srv.url, token, method, path, body);
  answers.push(JSON.stringify(r.body));
  return r;
};

test('10,000 due within a minute: once each, in due order per channel, few 429s, never faster than the limits allow', { timeout: 330000 }, async () => {
  const chans = [];
  for (let i = 0; i < CHANNELS; i++) {
    const c = await call('POST', `${W}/channels`, { network: 'webhook', name: `Limited ${i}` });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, { url: `${rcv.url}/c/ch${i}`, secret: SECRET });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    chans.push(c.body.channel.id);
  }
  const t0 = Date.now();
  const ids = await pool(Array.from({ length: POSTS }, (_, i) => i), 8, async (i) => {
    const p = await tapi(srv.url, token, 'POST', `${W}/posts`, { master_text: `rate post ${i}`, channel_ids: chans });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    return p.body.post.id;
  });
  // Due from a little after the schedule calls end: they take about as
  // long as making the posts did (less: one row each), so the first one
  // cannot fall due while the rest are still being scheduled.
  const base = Date.now() + 3000 + 2 * (Date.now() - t0);
  await pool(ids, 8, async (id, i) => {
    const s = await tapi(srv.url, token, 'POST', `${W}/posts/${id}/schedule`, { scheduled_at: new Date(base + i * STEP_MS).toISOString() });
    assert.equal(s.status, 200, JSON.stringify(s.body));
  });
  const created = Date.now();
  assert.ok(created < base, `the posts were made before the first fell due (${created - t0} ms)`);
  const total = POSTS * CHANNELS;
  await waitFor(() => rcv.accepted.length >= total, { timeout: 300000, every: 250, what: `${total} deliveries` });
  const last = rcv.accepted[rcv.accepted.length - 1].at;

  // Exactly once: every key accepted once, and no second delivery of it.
  assert.equal(rcv.accepted.length, total);
  assert.equal(new Set(rcv.accepted.map((a) => a.key)).size, total, 'each key accepted once');
  assert.equal(rcv.dups.length, 0, 'no key delivered again');
  assert.equal(rcv.badSig.length, 0, 'every call signed');

  // Per channel: the order the receiver saw is the order of due times.
  const perCh = new Map();
  for (const a of rcv.accepted) {
    if (!perCh.has(a.channel)) perCh.set(a.channel, []);
    perCh.get(a.channel).push(a.due);
  }
  assert.equal(perCh.size, CHANNELS);
  for (const [c, dues] of perCh) {
    assert.equal(dues.length, POSTS, `${c} got all its posts`);
    for (let i = 1; i < dues.length; i++) assert.ok(dues[i] > dues[i - 1], `${c}: post ${i} after post ${i - 1} (due order)`);
  }

  // 429s: kanal counts its calls in flight against what the last answer
  // said was left, and one call at a time per channel, so only a call
  // started before another's answer emptied the app window can be
  // refused: at most WORKERS - 1 per app window, and none per channel.
  const windows = Math.ceil((last - base) / WINDOW_MS) + 1;
  const refusedApp = rcv.refused.filter((r) => r.scope === 'app').length;
  const refusedCh = rcv.refused.filter((r) => r.scope === 'channel').length;
  assert.ok(refusedApp <= (WORKERS - 1) * windows, `${refusedApp} app 429s over ${windows} windows`);
  assert.ok(refusedCh <= CHANNELS, `${refusedCh} channel 429s`);

  // Time: the receiver lets PER_APP through per window (the channels
  // together allow more), so the last delivery cannot come before
  // ceil(total / PER_APP) - 1 windows after the first. How close kanal
  // gets to that floor is a speed figure, measured by bench/publish, not
  // asserted here (a loaded machine must not fail the test).
  const windowsNeeded = Math.ceil(total / PER_APP);
  const floor = (windowsNeeded - 1) * WINDOW_MS;
  const took = last - rcv.accepted[0].at;
  console.log(`# ${total} in ${took} ms (floor ${floor} ms), 429s: app ${refusedApp}, channel ${refusedCh}; create ${created - t0} ms`);
  assert.ok(took >= floor - WINDOW_MS, `not faster than the receiver allows (${took} ms)`);

  // kanal's side: published, one attempt each (holds cost none).
  const sample = ids.filter((_, i) => i % 25 === 0);
  for (const id of sample) {
    const r = await call('GET', `${W}/posts/${id}/publications`);
    assert.equal(r.status, 200);
    assert.equal(r.body.publications.length, CHANNELS);
    for (const p of r.body.publications) {
      assert.equal(p.state, 'published', JSON.stringify(p));
      const refusedTimes = rcv.refused.filter((x) => x.key === p.idempotency_key).length;
      assert.equal(p.attempts, 1 + refusedTimes, `attempts of ${p.idempotency_key}: one, plus one per 429`);
    }
  }
  const metrics = await (await fetch(`${srv.url}/metrics`)).text();
  const held = /kanal_jobs_rate_held_total\{network="webhook"\} (\d+)/.exec(metrics);
  assert.ok(held && Number(held[1]) >= 0, 'held jobs counted per network');
  const attempts = /kanal_publish_attempts_total\{network="webhook",outcome="published"\} (\d+)/.exec(metrics);
  assert.equal(Number(attempts[1]), total, 'one published attempt per publication');
});

// Read-only look at the database (the jobs table has no API).
const sql = (q) => execFileSync('sqlite3', ['-readonly', srv.db, q], { encoding: 'utf8' }).trim();

test('finished jobs are purged after their retention; dead-lettered ones, publications and attempts stay', { timeout: 60000 }, async () => {
  // A channel the receiver refuses (401): its job is dead-lettered.
  const c = await call('POST', `${W}/channels`, { network: 'webhook', name: 'Refused' });
  await call('PUT', `${W}/channels/${c.body.channel.id}/account`, { url: `${rcv.url}/nope`, secret: SECRET });
  const p = await call('POST', `${W}/posts`, { master_text: 'refused post', channel_ids: [c.body.channel.id] });
  await call('POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 1500).toISOString() });
  await waitFor(async () => (await call('GET', `${W}/posts/${p.body.post.id}/publications`)).body.publications[0]?.state === 'failed', { what: 'the refused post to fail' });
  const pubs = Number(sql('SELECT count(*) FROM publications'));
  const attempts = Number(sql('SELECT count(*) FROM attempts'));
  assert.ok(pubs >= POSTS * CHANNELS + 1, `${pubs} publications`);
  // KANAL_JOBS_DONE_KEEP_S=2: done jobs go within a few ticks (500 a batch).
  await waitFor(() => Number(sql('SELECT count(*) FROM jobs WHERE done_at IS NOT NULL')) === 0, { timeout: 40000, every: 500, what: 'done jobs to be purged' });
  assert.equal(Number(sql('SELECT count(*) FROM jobs WHERE dead_at IS NOT NULL')), 1, 'the dead-lettered job is kept (90 days)');
  assert.equal(Number(sql('SELECT count(*) FROM publications')), pubs, 'publications are never purged');
  assert.equal(Number(sql('SELECT count(*) FROM attempts')), attempts, 'attempts are never purged');
  assert.match(srv.stderr(), /purged \d+ finished job/);
});

test('the webhook secret is in no answer and no log line', async () => {
  answers.push(JSON.stringify((await call('GET', `${W}/channels`)).body));
  answers.push(await (await fetch(`${srv.url}/metrics`)).text());
  assert.ok(!answers.join('\n').includes(SECRET), 'not in answers');
  const log = srv.stderr();
  assert.ok(log.includes('publish webhook publication'), 'the log has the publishing lines');
  assert.ok(!log.includes(SECRET), 'not in the log');
});
