// Review links: a client approver without an account reviews one post
// through a signed, expiring link — read-only plus approve, request changes
// and comment (issue 3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { login, sapi } from './_helpers.mjs';

let srv, elira, sokol, token, postId;
before(async () => {
  srv = await startServer({ demo: true });
  elira = await login(srv.url, 'elira@studiodrita.al');
  sokol = await login(srv.url, 'sokol@studiodrita.al');
  const list = await sapi(srv.url, elira, 'GET', '/api/v1/workspaces/1/posts?state=in_review');
  postId = list.body.posts[0].id;
  await sapi(srv.url, elira, 'PATCH', `/api/v1/workspaces/1/posts/${postId}`, { notes: 'internal: client is slow to answer' });
  // editing an in-review post keeps it in review
});
after(async () => { await srv?.stop(); });

test('a review link is made by those who may submit, shows the post without internal notes', async () => {
  const no = await sapi(srv.url, sokol, 'POST', `/api/v1/workspaces/1/posts/${postId}/share`, {});
  assert.equal(no.status, 403);
  const bad = await sapi(srv.url, elira, 'POST', `/api/v1/workspaces/1/posts/${postId}/share`, { days: 0 });
  assert.equal(bad.body.code, 'share.days');
  const r = await sapi(srv.url, elira, 'POST', `/api/v1/workspaces/1/posts/${postId}/share`, { days: 3 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  token = r.body.token;
  assert.equal(r.body.url, `/#/review/${token}`);
  const days = (Date.parse(r.body.expires_at) - Date.now()) / 86400000;
  assert.ok(days > 2.99 && days <= 3.0001, `expires in ${days} days`);
  const v = await api(srv.url, 'GET', `/api/v1/review/${token}`);
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.equal(v.body.post.id, postId);
  assert.equal(v.body.workspace, 'Hotel Guri i Kuq');
  assert.equal(v.body.post.notes, undefined, 'internal notes are not shown');
  assert.ok(Array.isArray(v.body.post.variants) && v.body.post.variants.length > 0);
});

test('tampered, truncated or foreign tokens are refused', async () => {
  const [payload, mac] = token.split('.');
  const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  for (const t of [flip(token, 3), `${payload}.${flip(mac, 5)}`, payload, `${payload}.`,
    `${Buffer.from(Buffer.from(payload, 'base64url').toString().replace(`.${postId}.`, '.1.')).toString('base64url')}.${mac}`]) {
    const r = await api(srv.url, 'GET', `/api/v1/review/${t}`);
    assert.ok(r.status === 404, `${t}: ${r.status}`);
    assert.equal(r.body.code, 'share.invalid');
  }
});

test('the reviewer comments, requests changes, and cannot approve a draft', async () => {
  const c = await api(srv.url, 'POST', `/api/v1/review/${token}/comments`, { body: { body: 'Looks lovely!', name: 'Ana' } });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const last = c.body.post.comments.at(-1);
  assert.deepEqual([last.author, last.kind, last.body, last.user_id], ['Ana (review link)', 'comment', 'Looks lovely!', null]);
  const rc = await api(srv.url, 'POST', `/api/v1/review/${token}/request-changes`, { body: { comment: 'Use the summer photo', name: 'Ana' } });
  assert.equal(rc.status, 200, JSON.stringify(rc.body));
  assert.equal(rc.body.post.state, 'draft');
  const ap = await api(srv.url, 'POST', `/api/v1/review/${token}/approve`, { body: {} });
  assert.equal(ap.status, 409);
  assert.equal(ap.body.code, 'post.transition');
  const audit = await sapi(srv.url, elira, 'GET', '/api/v1/workspaces/1/audit?limit=5');
  const e = audit.body.entries.find((x) => x.action === 'post.request_changes');
  assert.equal(e.actor.label, 'Ana (review link)');
  assert.equal(e.actor.user_id, null);
});

test('after resubmission the link approves', async () => {
  const mira = await login(srv.url, 'mira@studiodrita.al');
  assert.equal((await sapi(srv.url, mira, 'POST', `/api/v1/workspaces/1/posts/${postId}/submit`)).body.post.state, 'in_review');
  const ap = await api(srv.url, 'POST', `/api/v1/review/${token}/approve`, { body: { name: 'Ana Marku' } });
  assert.equal(ap.status, 200, JSON.stringify(ap.body));
  assert.equal(ap.body.post.state, 'approved');
});
