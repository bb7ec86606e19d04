// Publishing through webhooks (issue 4): a post scheduled a few seconds
// ahead is delivered once, on time, signed; 500 then 200 is retried with
// backoff and delivered once; 400 fails with the receiver's reason; a
// receiver that takes the body and never answers makes the publication
// unconfirmed (no second POST) until a person marks it published; the
// crisis pause holds what falls due and resume re-plans it (out within the
// grace window, else missed); manual channels wait for a person; the SSRF
// guard refuses private addresses; /healthz turns unhealthy when due jobs
// wait; no secret reaches the database file, the log or an answer.
// ../shared/SECURITY.md promises 1 and 5.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { startServer, KANAL_BIN } from '../lib/server.mjs';
import { tapi, cliToken, RFC3339_MS } from './_helpers.mjs';
import { startReceiver, waitFor, sleep } from './_webhook.mjs';

const SECRET = 'whsec-' + crypto.randomBytes(18).toString('hex');
const PATH_TOKEN = crypto.randomBytes(12).toString('hex'); // a capability in the URL: secret too
const W = '/api/v1/workspaces/1';
let srv;
let rcv;
let token;
const ch = {};

before(async () => {
  rcv = await startReceiver(SECRET);
  srv = await startServer({ demo: true, env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '400' } });
  token = cliToken(srv.db, 1, 'owner', 'publish-test');
  for (const [name, path, extra] of [
    ['ok', `/ok/${PATH_TOKEN}`, {}], ['flaky', '/flaky', {}], ['reject', '/reject', {}],
    ['slow', '/slow', { timeout_seconds: 1 }], ['paused', '/paused', {}], ['late', '/late', {}],
  ]) {
    ch[name] = await channel(`Hook ${name}`, { url: rcv.url + path, secret: SECRET, ...extra });
  }
});

after(async () => {
  await srv?.stop();
  await rcv?.stop();
});

const call = (method, path, body) => tapi(srv.url, token, method, path, body);

async function channel(name, account, network = 'webhook') {
  const c = await call('POST', `${W}/channels`, { network, name });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  if (account) {
    const a = await call('PUT', `${W}/channels/${c.body.channel.id}/account`, account);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.channel.account.status, 'connected');
    assert.ok(!JSON.stringify(a.body).includes(SECRET), 'the answer holds no secret');
    assert.ok(!JSON.stringify(a.body).includes(PATH_TOKEN), 'the answer holds no URL path');
  }
  return c.body.channel.id;
}

// Draft and schedule a post on channels, due in ms; returns { id, at }.
async function schedule(channels, text, ms) {
  const p = await call('POST', `${W}/posts`, { master_text: text, channel_ids: channels });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const at = new Date(Date.now() + ms).toISOString();
  const s = await call('POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: at });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.post.state, 'scheduled');
  return { id: p.body.post.id, at: Date.parse(at) };
}

async function pubs(postId) {
  const r = await call('GET', `${W}/posts/${postId}/publications`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.publications;
}

async function postState(postId) {
  return (await call('GET', `${W}/posts/${postId}`)).body.post.state;
}

// Wait until the post's only publication is in one of states.
async function settle(postId, states, timeout = 15000) {
  return waitFor(async () => {
    const p = await pubs(postId);
    return p.length === 1 && states.includes(p[0].state) ? p[0] : null;
  }, { timeout, what: `post ${postId} to be ${states.join('/')}` });
}

let onTime;
let flaky;
let reject;
let slow;
let blocked;
test('due together: on time, 500-then-200, 400, a silent receiver and private addresses each end as they should', async (t) => {
  rcv.behave('/flaky', (d, n) => (n === 1 ? { status: 500, body: { error: 'try later' } } : { status: 200 }));
  rcv.behave('/reject', () => ({ status: 400, body: { error: 'text too spicy' } }));
  rcv.behave('/slow', () => ({ hang: true }));
  const ssrf1 = await channel('metadata', { url: 'http://169.254.169.254/latest/meta-data', secret: SECRET });
  const ssrf2 = await channel('mapped', { url: 'http://[::ffff:10.0.0.1]/hook', secret: SECRET });
  onTime = await schedule([ch.ok], 'Mëngjes me pamje nga deti 🌅 #GuriIKuq', 3000);
  flaky = await schedule([ch.flaky], 'flaky receiver', 3000);
  reject = await schedule([ch.reject], 'rejected post', 3000);
  slow = await schedule([ch.slow], 'slow receiver', 3000);
  blocked = await schedule([ssrf1, ssrf2], 'nowhere private', 3000);

  // On time, once, signed, with the text, and published with the receiver's id and URL.
  const p = await settle(onTime.id, ['published']);
  const got = rcv.to(`/ok/${PATH_TOKEN}`);
  assert.equal(got.length, 1, 'delivered once');
  const d = got[0];
  assert.ok(d.sigOk, 'X-Kanal-Signature is the HMAC-SHA256 of the raw body');
  assert.equal(d.event, 'post.publish');
  assert.equal(d.key, p.idempotency_key);
  assert.match(d.key, /^v\d+-\d+$/);
  assert.equal(d.json.text, 'Mëngjes me pamje nga deti 🌅 #GuriIKuq');
  assert.equal(d.json.idempotency_key, d.key);
  assert.equal(Date.parse(d.json.scheduled_at), onTime.at);
  const lateness = d.at - onTime.at;
  assert.ok(lateness >= 0, `not early (${lateness} ms)`);
  assert.ok(lateness < 1500, `on time: ${lateness} ms late`);
  t.diagnostic(`delivered ${lateness} ms after its time`);
  assert.equal(p.remote_id, rcv.accepted.get(d.key).body.id);
  assert.equal(p.remote_url, rcv.accepted.get(d.key).body.url);
  assert.match(p.published_at, RFC3339_MS);
  assert.equal(p.attempts, 1);
  assert.deepEqual(p.timeline.map((a) => [a.attempt, a.kind, a.outcome, a.http_status]), [[1, 'publish', 'published', 200]]);
  assert.equal(await postState(onTime.id), 'published');

  // 500 then 200: retried after a backoff, accepted once.
  const f = await settle(flaky.id, ['published']);
  const fd = rcv.to('/flaky');
  assert.deepEqual(fd.map((x) => x.status), [500, 200]);
  assert.equal(fd[0].key, fd[1].key, 'the same idempotency key on the retry');
  assert.equal(fd.filter((x) => x.status === 200).length, 1);
  assert.deepEqual(f.timeline.map((a) => [a.outcome, a.http_status]), [['retry', 500], ['published', 200]]);
  assert.match(f.timeline[0].message, /HTTP 500: try later/);
  const gap = Date.parse(f.timeline[1].started_at) - Date.parse(f.timeline[0].finished_at);
  assert.ok(gap >= 150, `backoff before the retry (${gap} ms)`);
  assert.equal(await postState(flaky.id), 'published');

  // 400: failed with the receiver's reason; no retry.
  const r = await settle(reject.id, ['failed']);
  assert.equal(r.last_error_code, 'webhook.rejected');
  assert.match(r.last_error, /HTTP 400\): text too spicy/);
  assert.equal(rcv.to('/reject').length, 1);
  assert.equal(await postState(reject.id), 'failed');

  // A receiver that took the body and never answered: unconfirmed, asked no second time.
  const s = await settle(slow.id, ['unconfirmed'], 20000);
  assert.equal(rcv.to('/slow').length, 1);
  assert.deepEqual(s.timeline.map((a) => [a.kind, a.outcome]), [['publish', 'unknown'], ['reconcile', 'unknown']]);
  assert.match(s.timeline[0].message, /request was sent/);
  assert.equal(s.last_error_code, 'webhook.unconfirmed');
  assert.equal(await postState(slow.id), 'unconfirmed');

  // Private addresses: refused at connect time, never retried.
  const b = await waitFor(async () => {
    const l = await pubs(blocked.id);
    return l.length === 2 && l.every((x) => x.state === 'failed') ? l : null;
  }, { what: 'the SSRF guard' });
  for (const x of b) {
    assert.equal(x.last_error_code, 'net.blocked');
    assert.match(x.last_error, /not allowed/);
  }
});

test('connecting a webhook checks its fields; the answer and the channel show only the host', async () => {
  const id = ch.ok;
  const cases = [
    [{ url: 'ftp://example.com/x', secret: SECRET }, 'account.url', '$.url'],
    [{ url: 'http://exa mple.com/', secret: SECRET }, 'account.url', '$.url'],
    [{ url: 'https://example.com/', secret: 'short' }, 'field.too_short', '$.secret'],
    [{ url: 'https://example.com/' }, 'field.required', '$.secret'],
    [{ url: 'https://example.com/', secret: SECRET, timeout_seconds: 600 }, 'field.range', '$.timeout_seconds'],
    [{ url: 'https://example.com/', secret: SECRET, token: 'x' }, 'field.unknown', undefined],
  ];
  for (const [body, code, field] of cases) {
    const r = await call('PUT', `${W}/channels/${id}/account`, body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.code, code, JSON.stringify(body));
    if (field) assert.equal(r.body.field, field);
  }
  const g = await call('GET', `${W}/publishing`);
  assert.deepEqual(g.body, { paused: [], grace_seconds: 900 });
  const bad = await call('PATCH', `${W}/publishing`, { grace_seconds: 0 });
  assert.equal(bad.status, 400);
  const nf = await call('POST', `${W}/publishing/pause`, { channel_id: 999999 });
  assert.equal(nf.body.code, 'publishing.channel');
  const none = await call('GET', `${W}/publications/999999`);
  assert.equal(none.status, 404);
  assert.equal(none.body.code, 'publication.not_found');
});

test('unconfirmed stays put (no second POST) until a person marks it published with its URL', async () => {
  await sleep(1500);
  assert.equal(rcv.to('/slow').length, 1, 'still one delivery');
  const [p] = await pubs(slow.id);
  assert.equal(p.state, 'unconfirmed');
  const list = await call('GET', `${W}/publications?state=unconfirmed`);
  assert.equal(list.status, 200);
  assert.ok(list.body.publications.some((x) => x.id === p.id));
  const bad = await call('POST', `${W}/publications/${p.id}/mark-published`, { url: 'javascript:alert(1)' });
  assert.equal(bad.body.code, 'publication.url');
  const m = await call('POST', `${W}/publications/${p.id}/mark-published`, { url: 'https://receiver.test/p/seen' });
  assert.equal(m.status, 200, JSON.stringify(m.body));
  assert.equal(m.body.publication.state, 'published');
  assert.equal(m.body.publication.remote_url, 'https://receiver.test/p/seen');
  assert.equal(await postState(slow.id), 'published');
  const again = await call('POST', `${W}/publications/${p.id}/retry`);
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'publication.transition');
  await sleep(500);
  assert.equal(rcv.to('/slow').length, 1, 'marking sent nothing');
});

test('a failed publication is in the failed queue with its reason, and the audit log says so', async () => {
  const list = await call('GET', `${W}/publications?state=failed`);
  assert.equal(list.status, 200);
  const f = list.body.publications.find((x) => x.post_id === reject.id);
  assert.ok(f, 'listed');
  assert.match(f.last_error, /text too spicy/);
  const audit = await call('GET', `${W}/audit?limit=200`);
  const e = audit.body.entries.find((x) => x.action === 'publication.failed' && x.target === `post:${reject.id}/publication:${f.id}`);
  assert.ok(e, 'audited');
  assert.equal(e.actor.label, 'kanal');
  assert.equal(e.after.code, 'webhook.rejected');
  const bad = await call('GET', `${W}/publications?state=nonsense`);
  assert.equal(bad.body.code, 'query.invalid');
  // Cancel the failed one: it leaves the queue, the post follows.
  const c = await call('POST', `${W}/publications/${f.id}/cancel`);
  assert.equal(c.body.publication.state, 'canceled');
  assert.equal(await postState(reject.id), 'canceled');
});

test('crisis pause holds what falls due; resume sends it within the grace window, else marks it missed', async () => {
  const pz = await call('POST', `${W}/publishing/pause`, { reason: 'a storm on social' });
  assert.equal(pz.status, 200, JSON.stringify(pz.body));
  assert.deepEqual(pz.body.paused.map((x) => [x.channel_id, x.reason]), [[null, 'a storm on social']]);
  const held = await schedule([ch.paused], 'held by the pause', 1000);
  await sleep(2500);
  assert.equal(rcv.to('/paused').length, 0, 'nothing sent while paused');
  const [p] = await pubs(held.id);
  assert.equal(p.state, 'pending');
  assert.equal(p.paused, true);
  assert.equal(await postState(held.id), 'publishing');
  const rs = await call('POST', `${W}/publishing/resume`);
  assert.equal(rs.status, 200, JSON.stringify(rs.body));
  assert.deepEqual([rs.body.resumed, rs.body.missed, rs.body.paused.length], [1, 0, 0]);
  const done = await settle(held.id, ['published']);
  assert.equal(rcv.to('/paused').length, 1);
  assert.equal(done.timeline.length, 1);

  // A channel paused past the grace window: missed, and people are told.
  const g = await call('PATCH', `${W}/publishing`, { grace_seconds: 1 });
  assert.equal(g.body.grace_seconds, 1);
  const pc = await call('POST', `${W}/publishing/pause`, { channel_id: ch.late });
  assert.deepEqual(pc.body.paused.map((x) => x.channel_id), [ch.late]);
  const late = await schedule([ch.late], 'too late', 1000);
  await sleep(3000);
  const rl = await call('POST', `${W}/publishing/resume`, { channel_id: ch.late });
  assert.deepEqual([rl.body.resumed, rl.body.missed], [0, 1]);
  const [m] = await pubs(late.id);
  assert.equal(m.state, 'missed');
  assert.equal(m.last_error_code, 'publication.missed');
  assert.match(m.last_error, /grace window of 1 s/);
  assert.equal(await postState(late.id), 'failed');
  const audit = await call('GET', `${W}/audit?limit=50`);
  assert.ok(audit.body.entries.some((x) => x.action === 'publication.missed' && x.target.startsWith(`post:${late.id}/`)));
  assert.ok(audit.body.entries.some((x) => x.action === 'publishing.pause'));
  await sleep(800);
  assert.equal(rcv.to('/late').length, 0, 'a missed post is never sent');
  // A person may still send it: retry ignores the grace window.
  const rt = await call('POST', `${W}/publications/${m.id}/retry`);
  assert.equal(rt.body.publication.state, 'pending');
  await settle(late.id, ['published']);
  assert.equal(rcv.to('/late').length, 1);
  await call('PATCH', `${W}/publishing`, { grace_seconds: 900 });
});

test('a manual channel waits for a person: awaiting manual publishing, then marked with its URL', async () => {
  const manual = await channel('By hand', null, 'manual');
  const no = await call('PUT', `${W}/channels/${manual}/account`, { url: 'https://x' });
  assert.equal(no.body.code, 'account.not_needed');
  const post = await schedule([manual], 'post this by hand', 1000);
  const p = await settle(post.id, ['awaiting_manual']);
  assert.equal(p.last_error_code, 'publication.manual');
  assert.equal(p.attempts, 0);
  assert.equal(await postState(post.id), 'publishing');
  const q = await call('GET', `${W}/publications?state=awaiting_manual`);
  assert.ok(q.body.publications.some((x) => x.id === p.id));
  const m = await call('POST', `${W}/publications/${p.id}/mark-published`, { url: 'https://instagram.com/p/abc' });
  assert.equal(m.body.publication.state, 'published');
  assert.equal(await postState(post.id), 'published');
});

test('/metrics counts attempts per network and the lateness of first attempts', async () => {
  const r = await fetch(srv.url + '/metrics');
  const text = await r.text();
  const val = (re) => Number((re.exec(text) || [])[1] ?? NaN);
  assert.ok(val(/^kanal_publish_attempts_total\{network="webhook",outcome="published"\} (\d+)/m) >= 4, text);
  assert.ok(val(/^kanal_publish_attempts_total\{network="webhook",outcome="retry"\} (\d+)/m) >= 1);
  assert.ok(val(/^kanal_publish_failures_total\{network="webhook"\} (\d+)/m) >= 3);
  assert.ok(val(/^kanal_publish_lateness_seconds_count (\d+)/m) >= 5);
  assert.ok(val(/^kanal_publish_lateness_seconds_bucket\{le="1"\} (\d+)/m) >= 1);
  assert.equal(val(/^kanal_scheduler_running (\d+)/m), 1);
  assert.ok(val(/^kanal_jobs\{state="dead"\} (\d+)/m) >= 3);
  const h = await fetch(srv.url + '/healthz');
  assert.equal(h.status, 200);
});

test('no secret in the database file, the log, or any answer', async () => {
  const ch1 = await call('GET', `${W}/channels/${ch.ok}`);
  assert.equal(ch1.body.channel.account.summary, `127.0.0.1:${rcv.port}`);
  const all = JSON.stringify((await call('GET', `${W}/channels`)).body) + JSON.stringify((await call('GET', `${W}/audit?limit=200`)).body);
  for (const s of [SECRET, PATH_TOKEN, token]) assert.ok(!all.includes(s), 'not in answers');
  for (const f of [srv.db, srv.db + '-wal', srv.db + '-shm']) {
    if (!existsSync(f)) continue;
    const bytes = readFileSync(f);
    for (const s of [SECRET, PATH_TOKEN, token]) assert.equal(bytes.indexOf(Buffer.from(s)), -1, `${s.slice(0, 6)}… in ${f}`);
  }
  const log = srv.stderr();
  assert.ok(log.includes('publish webhook publication'), 'the log has the publishing lines');
  for (const s of [SECRET, PATH_TOKEN, token]) assert.ok(!log.includes(s), 'not in the log');
});

test('/healthz is 503 jobs.overdue while a due job waits for a busy worker', async () => {
  const r2 = await startReceiver(SECRET);
  r2.behave('/slow', () => ({ hang: true }));
  const s2 = await startServer({ demo: true, env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_WORKERS: '1', KANAL_OVERDUE_MS: '1000' } });
  try {
    const t2 = cliToken(s2.db, 1, 'owner', 'health');
    const c = await tapi(s2.url, t2, 'POST', `${W}/channels`, { network: 'webhook', name: 'slow' });
    await tapi(s2.url, t2, 'PUT', `${W}/channels/${c.body.channel.id}/account`, { url: r2.url + '/slow', secret: SECRET, timeout_seconds: 4 });
    for (let i = 0; i < 2; i++) {
      const p = await tapi(s2.url, t2, 'POST', `${W}/posts`, { master_text: `stuck ${i}`, channel_ids: [c.body.channel.id] });
      await tapi(s2.url, t2, 'POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 800).toISOString() });
    }
    const h = await waitFor(async () => {
      const r = await fetch(s2.url + '/healthz');
      return r.status === 503 ? r.json() : null;
    }, { timeout: 6000, what: '/healthz 503' });
    assert.equal(h.status, 'unhealthy');
    assert.equal(h.code, 'jobs.overdue');
  } finally {
    await s2.stop(); // a call in flight finishes (its 4 s timeout), then a clean exit
    await r2.stop();
  }
});

test('downtime: serve --no-workers publishes nothing; `kanal worker` started later marks what is past the grace window missed and publishes the rest, then stops cleanly', async () => {
  const s3 = await startServer({ demo: true, args: ['--no-workers'], env: { KANAL_NET_ALLOW_LOOPBACK: '1' } });
  let worker;
  try {
    const t3 = cliToken(s3.db, 1, 'owner', 'split');
    const c = await tapi(s3.url, t3, 'POST', `${W}/channels`, { network: 'webhook', name: 'split' });
    await tapi(s3.url, t3, 'PUT', `${W}/channels/${c.body.channel.id}/account`, { url: rcv.url + '/split', secret: SECRET });
    const post = async (text, ms) => {
      const p = await tapi(s3.url, t3, 'POST', `${W}/posts`, { master_text: text, channel_ids: [c.body.channel.id] });
      await tapi(s3.url, t3, 'POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + ms).toISOString() });
      return p.body.post.id;
    };
    const pubsOf = async (id) => (await tapi(s3.url, t3, 'GET', `${W}/posts/${id}/publications`)).body.publications;
    // Due while nothing publishes, with a grace window of 2 s: it will be missed.
    assert.equal((await tapi(s3.url, t3, 'PATCH', `${W}/publishing`, { grace_seconds: 2 })).status, 200);
    const missed = await post('due during the downtime', 300);
    await sleep(3000);
    assert.equal(rcv.to('/split').length, 0, 'no workers in serve');
    assert.deepEqual(await pubsOf(missed), [], 'not even planned: no scheduler in serve');
    const metrics = await (await fetch(s3.url + '/metrics')).text();
    assert.match(metrics, /^kanal_scheduler_running 0$/m);
    assert.equal((await fetch(s3.url + '/healthz')).status, 200);
    let err = '';
    worker = spawn(KANAL_BIN, ['--db', s3.db, 'worker', '--workers', '1'], {
      env: { ...process.env, KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    worker.stderr.on('data', (d) => { err += d; });
    const m = await waitFor(async () => {
      const l = await pubsOf(missed);
      return l[0]?.state === 'missed' ? l[0] : null;
    }, { what: 'the post due during the downtime to be missed' });
    assert.equal(m.last_error_code, 'publication.missed');
    assert.match(m.last_error, /grace window of 2 s/);
    assert.equal(m.attempts, 0);
    assert.equal(rcv.to('/split').length, 0, 'a missed post is not sent');
    // Within the window, the worker publishes it.
    await tapi(s3.url, t3, 'PATCH', `${W}/publishing`, { grace_seconds: 900 });
    const ok = await post('from the worker', 500);
    await waitFor(() => rcv.to('/split').length === 1, { what: 'the worker to publish' });
    const d = rcv.to('/split')[0];
    assert.ok(d.sigOk, 'signed with the secret the server sealed (the same key file)');
    assert.equal(d.json.text, 'from the worker');
    const pub = await waitFor(async () => {
      const l = await pubsOf(ok);
      return l[0]?.state === 'published' ? l[0] : null;
    }, { what: 'published' });
    assert.equal(pub.remote_id, rcv.accepted.get(d.key).body.id);
    const exit = await new Promise((r) => { worker.on('exit', (code, signal) => r({ code, signal })); worker.kill('SIGTERM'); });
    assert.deepEqual(exit, { code: 0, signal: null }, err);
    assert.match(err, /publishing worker running/);
    assert.doesNotMatch(err, /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/);
  } finally {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await s3.stop();
  }
});
