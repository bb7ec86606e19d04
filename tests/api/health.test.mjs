// /healthz tells the truth about the publishing engine (issue 4): while the
// scheduler cannot reach the database (another process holds SQLite's
// exclusive lock), its loop keeps running but plans nothing, and /healthz
// turns 503 scheduler.stalled; once the lock is gone it is healthy again
// and a post that fell due meanwhile is published.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { tapi, cliToken } from './_helpers.mjs';
import { startReceiver, waitFor } from './_webhook.mjs';

const W = '/api/v1/workspaces/1';
const SECRET = 'health-secret-0123456789abcdef';

test('a scheduler that cannot reach the database is reported stalled, then recovers', async () => {
  const rcv = await startReceiver(SECRET);
  const srv = await startServer({ demo: true, env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_STALL_MS: '1500' } });
  let lock;
  try {
    const tok = cliToken(srv.db, 1, 'owner', 'health');
    const c = await tapi(srv.url, tok, 'POST', `${W}/channels`, { network: 'webhook', name: 'health' });
    assert.equal(c.status, 201);
    const a = await tapi(srv.url, tok, 'PUT', `${W}/channels/${c.body.channel.id}/account`, { url: rcv.url + '/h', secret: SECRET });
    assert.equal(a.status, 200);
    const p = await tapi(srv.url, tok, 'POST', `${W}/posts`, { master_text: 'due while locked', channel_ids: [c.body.channel.id] });
    const s = await tapi(srv.url, tok, 'POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 2000).toISOString() });
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.equal((await fetch(srv.url + '/healthz')).status, 200, 'healthy before');

    // Another process takes the write lock and keeps it.
    lock = spawn('sqlite3', [srv.db], { stdio: ['pipe', 'pipe', 'pipe'] });
    lock.stdin.write('PRAGMA busy_timeout=10000;\nBEGIN EXCLUSIVE;\nSELECT \'locked\';\n');
    await new Promise((res, rej) => {
      lock.stdout.on('data', (d) => { if (String(d).includes('locked')) res(); });
      lock.on('exit', () => rej(new Error('sqlite3 exited')));
    });
    const h = await waitFor(async () => {
      const r = await fetch(srv.url + '/healthz');
      return r.status === 503 ? r.json() : null;
    }, { timeout: 15000, what: '/healthz 503 while the database is locked' });
    assert.equal(h.status, 'unhealthy');
    assert.equal(h.code, 'scheduler.stalled');
    assert.match(h.detail, /has not run for \d+ s/);

    lock.stdin.end('COMMIT;\n');
    await new Promise((res) => lock.on('exit', res));
    lock = null;
    await waitFor(async () => ((await fetch(srv.url + '/healthz')).status === 200 ? true : null),
      { timeout: 15000, what: '/healthz 200 after the lock is released' });
    await waitFor(() => (rcv.to('/h').length >= 1 ? true : null), { timeout: 15000, what: 'the post published' });
    const got = rcv.to('/h').filter((d) => JSON.stringify(d.json || '').includes('due while locked') && !d.dup);
    assert.equal(got.length, 1, 'published once after the stall');
  } finally {
    if (lock) lock.kill('SIGKILL');
    await srv.stop();
    await rcv.stop();
  }
});
