// The calendar's month answer is kept while nothing it shows changes
// (src/core/schedule.c, sql/sqlite/0008_calendar_cache.sql): the same
// month twice gives the same bytes and ETag (and 304 with If-None-Match);
// every kind of change the calendar shows makes a new answer at once —
// a post scheduled through the API, a title changed by another writer
// (the sqlite3 CLI, which kanal never hears of), the workspace's time zone,
// a channel removed — and one workspace's month is never another's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { tapi, cliToken } from './_helpers.mjs';

const W1 = '/api/v1/workspaces/1';
const W2 = '/api/v1/workspaces/2';
const MONTH = '?from=2027-03-01&to=2027-03-31';
let srv, t1, t2;

before(async () => {
  srv = await startServer({ demo: true });
  t1 = cliToken(srv.db, 1, 'owner', 'cal-cache-1');
  t2 = cliToken(srv.db, 2, 'owner', 'cal-cache-2');
});
after(async () => { await srv?.stop(); });

async function month(token, ws, headers = {}) {
  const res = await fetch(`${srv.url}${ws}/calendar${MONTH}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), text, body: text ? JSON.parse(text) : null };
}
const sql = (q) => execFileSync('sqlite3', [srv.db, q], { encoding: 'utf8' }).trim();

async function scheduled(ws, token, text, at, channels) {
  const p = await tapi(srv.url, token, 'POST', `${ws}/posts`, { master_text: text, channel_ids: channels });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const s = await tapi(srv.url, token, 'POST', `${ws}/posts/${p.body.post.id}/schedule`, { scheduled_at: at });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  return p.body.post;
}

test('the same month twice: the same bytes and ETag, 304 when the client has it', async () => {
  const a = await month(t1, W1);
  assert.equal(a.status, 200);
  assert.match(a.etag, /^"cal-1-\d+-[0-9a-f]{16}"$/);
  const b = await month(t1, W1);
  assert.equal(b.etag, a.etag);
  assert.equal(b.text, a.text);
  const c = await month(t1, W1, { 'if-none-match': a.etag });
  assert.equal(c.status, 304);
  assert.equal(c.text, '');
  const other = await fetch(`${srv.url}${W1}/calendar?from=2027-04-01&to=2027-04-30`, { headers: { authorization: `Bearer ${t1}` } });
  assert.notEqual(other.headers.get('etag'), a.etag, 'another range, another name');
});

test('every change the calendar shows makes a new answer at once', async () => {
  const chans = (await tapi(srv.url, t1, 'GET', `${W1}/channels`)).body.channels.map((c) => c.id);
  const m0 = await month(t1, W1);

  const post = await scheduled(W1, t1, 'Darka e peshkut në verandë', '2027-03-12T17:00:00Z', [chans[0], chans[1]]);
  const m1 = await month(t1, W1);
  assert.notEqual(m1.etag, m0.etag);
  const mine = m1.body.posts.find((p) => p.id === post.id);
  assert.ok(mine, 'the new post is in the month');
  assert.equal(mine.local, '2027-03-12T18:00');
  assert.deepEqual(mine.channels.map((c) => c.id).sort(), [chans[0], chans[1]].sort());
  assert.equal((await month(t1, W1, { 'if-none-match': m0.etag })).status, 200, 'the old name no longer validates');

  // Another writer: kanal is not told, the version still moves.
  sql(`UPDATE posts SET title = 'Titulli nga jashtë' WHERE id = ${post.id}`);
  const m2 = await month(t1, W1);
  assert.notEqual(m2.etag, m1.etag);
  assert.equal(m2.body.posts.find((p) => p.id === post.id).title, 'Titulli nga jashtë');

  // The workspace's zone: local times move.
  const z = await tapi(srv.url, t1, 'PATCH', W1, { timezone: 'America/New_York' });
  assert.equal(z.status, 200, JSON.stringify(z.body));
  const m3 = await month(t1, W1);
  assert.notEqual(m3.etag, m2.etag);
  assert.equal(m3.body.timezone, 'America/New_York');
  assert.equal(m3.body.posts.find((p) => p.id === post.id).local, '2027-03-12T12:00'); // EST: DST there starts on the 14th
  await tapi(srv.url, t1, 'PATCH', W1, { timezone: 'Europe/Tirane' });

  // A channel removed: the post no longer lists it.
  const gone = await tapi(srv.url, t1, 'DELETE', `${W1}/channels/${chans[1]}`);
  assert.ok([200, 204].includes(gone.status), JSON.stringify(gone.body));
  const m4 = await month(t1, W1);
  assert.deepEqual(m4.body.posts.find((p) => p.id === post.id).channels.map((c) => c.id), [chans[0]]);

  // Deleted: gone from the month.
  const del = await tapi(srv.url, t1, 'DELETE', `${W1}/posts/${post.id}`);
  assert.ok([200, 204].includes(del.status), JSON.stringify(del.body));
  const m5 = await month(t1, W1);
  assert.equal(m5.body.posts.find((p) => p.id === post.id), undefined);
});

test('one workspace\'s kept month is never another\'s', async () => {
  const c2 = (await tapi(srv.url, t2, 'GET', `${W2}/channels`)).body.channels.map((c) => c.id);
  const p2 = await scheduled(W2, t2, 'Bukë misri e ngrohtë', '2027-03-20T06:00:00Z', [c2[0]]);
  const a = await month(t1, W1);
  const b = await month(t2, W2);
  assert.notEqual(a.etag, b.etag);
  assert.ok(b.body.posts.some((p) => p.id === p2.id));
  assert.ok(!a.body.posts.some((p) => p.id === p2.id));
  const cross = await fetch(`${srv.url}${W2}/calendar${MONTH}`, { headers: { authorization: `Bearer ${t1}` } });
  assert.equal(cross.status, 404);
});
