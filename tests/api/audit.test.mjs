// Audit log: every change to members, roles, workspace settings and tokens is
// recorded with actor, action, target, before and after; only owners read it
// (docs/api.md GET /workspaces/{ws}/audit, permission audit.read).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import {
  api, login, sapi, tapi, assertProblem, makeToken, memberByEmail, ROLES, DEMO, RFC3339_MS,
} from './_helpers.mjs';

let srv;
let base;
let owner;
let eliraId;

before(async () => {
  srv = await startServer({ demo: true });
  base = srv.url;
  owner = await login(base, DEMO.owner);
  eliraId = owner.user.id;
});

after(async () => {
  if (srv) await srv.stop();
});

async function audit(ws = 1, q = 'limit=200', who = owner) {
  const r = await sapi(base, who, 'GET', `/api/v1/workspaces/${ws}/audit?${q}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(Array.isArray(r.body.entries));
  return r.body.entries;
}

async function entryFor(res, ws = 1) {
  const rid = res.headers.get('x-request-id');
  assert.ok(rid, 'the change answered with X-Request-Id');
  const e = (await audit(ws)).filter((x) => x.request_id === rid);
  assert.equal(e.length, 1, `one audit entry with request_id ${rid}; got ${e.length}`);
  const entry = e[0];
  assert.equal(typeof entry.id, 'number');
  assert.match(entry.created_at, RFC3339_MS);
  assert.equal(typeof entry.action, 'string');
  assert.ok(entry.action.length > 0);
  assert.notEqual(entry.target, null, 'target');
  assert.notEqual(entry.target, undefined, 'target');
  return entry;
}

const text = (x) => (x === null || x === undefined ? '' : typeof x === 'string' ? x : JSON.stringify(x));
const isEmpty = (x) => x === null || x === undefined || x === '' || (typeof x === 'object' && Object.keys(x).length === 0);

// Does an actor/target refer to the user (id, email)?
function refersToUser(x, id, email) {
  if (x === null || x === undefined) return false;
  if (typeof x === 'string') return x.includes(email) || new RegExp(`(^|\\D)${id}(\\D|$)`).test(x);
  if (typeof x === 'number') return x === id;
  if (x.email === email || x.user_id === id) return true;
  if ((x.type === 'user' || x.kind === 'user') && x.id === id) return true;
  return Object.values(x).some((v) => v && typeof v === 'object' && refersToUser(v, id, email));
}

test('member add, role change, member remove, workspace update, token create/revoke are audited', async () => {
  const actions = {};
  const email = 'audit-new@example.org';

  // member add
  const add = await sapi(base, owner, 'POST', '/api/v1/workspaces/1/members', { email, role: 'analyst', name: 'Audit New' });
  assert.equal(add.status, 201, JSON.stringify(add.body));
  const uid = add.body.member.user_id;
  let e = await entryFor(add);
  actions.add = e.action;
  assert.ok(refersToUser(e.actor, eliraId, DEMO.owner), `actor is elira: ${text(e.actor)}`);
  assert.ok(refersToUser(e.target, uid, email), `target is the new member: ${text(e.target)}`);
  assert.ok(isEmpty(e.before), `before of an add is empty: ${text(e.before)}`);
  assert.match(text(e.after), /analyst/);

  // role change
  const ch = await sapi(base, owner, 'PATCH', `/api/v1/workspaces/1/members/${uid}`, { role: 'creative' });
  assert.equal(ch.status, 200, JSON.stringify(ch.body));
  e = await entryFor(ch);
  actions.role = e.action;
  assert.ok(refersToUser(e.actor, eliraId, DEMO.owner));
  assert.ok(refersToUser(e.target, uid, email), `target: ${text(e.target)}`);
  assert.match(text(e.before), /analyst/);
  assert.doesNotMatch(text(e.before), /creative/);
  assert.match(text(e.after), /creative/);
  assert.doesNotMatch(text(e.after), /analyst/);

  // member remove
  const rm = await sapi(base, owner, 'DELETE', `/api/v1/workspaces/1/members/${uid}`);
  assert.equal(rm.status, 204);
  e = await entryFor(rm);
  actions.remove = e.action;
  assert.ok(refersToUser(e.target, uid, email), `target: ${text(e.target)}`);
  assert.match(text(e.before), /creative/);
  assert.ok(isEmpty(e.after), `after of a removal is empty: ${text(e.after)}`);

  // workspace update
  const old = (await sapi(base, owner, 'GET', '/api/v1/workspaces/1')).body.workspace;
  const up = await sapi(base, owner, 'PATCH', '/api/v1/workspaces/1', { name: 'Hotel Guri i Kuq Audit', timezone: 'Europe/Rome' });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  e = await entryFor(up);
  actions.ws = e.action;
  assert.ok(refersToUser(e.actor, eliraId, DEMO.owner));
  assert.ok(text(e.before).includes(old.name), `before has the old name: ${text(e.before)}`);
  assert.ok(text(e.before).includes(old.timezone), `before has the old zone: ${text(e.before)}`);
  assert.ok(text(e.after).includes('Hotel Guri i Kuq Audit'), `after has the new name: ${text(e.after)}`);
  assert.ok(text(e.after).includes('Europe/Rome'));
  const back = await sapi(base, owner, 'PATCH', '/api/v1/workspaces/1', { name: old.name, timezone: old.timezone });
  assert.equal(back.status, 200);

  // token create: the secret never reaches the log
  const tc = await sapi(base, owner, 'POST', '/api/v1/workspaces/1/tokens', { name: 'audit-tok', role: 'analyst' });
  assert.equal(tc.status, 201, JSON.stringify(tc.body));
  const secret = tc.body.secret;
  e = await entryFor(tc);
  actions.tokenCreate = e.action;
  assert.ok(refersToUser(e.actor, eliraId, DEMO.owner));
  assert.match(text(e.after), /audit-tok/);
  assert.match(text(e.after), /analyst/);
  const whole = JSON.stringify(await audit(1));
  assert.equal(whole.includes(secret), false, 'token secret in the audit log');
  assert.equal(whole.includes(secret.slice(-20)), false, 'token secret tail in the audit log');

  // token revoke
  const td = await sapi(base, owner, 'DELETE', `/api/v1/workspaces/1/tokens/${tc.body.token.id}`);
  assert.equal(td.status, 204);
  e = await entryFor(td);
  actions.tokenRevoke = e.action;
  assert.ok(text(e.target).includes('audit-tok') || text(e.target).includes(String(tc.body.token.id)), `target: ${text(e.target)}`);

  assert.equal(new Set(Object.values(actions)).size, Object.keys(actions).length, `distinct actions: ${JSON.stringify(actions)}`);
});

test('a change made with a bearer token names the token as the actor', async () => {
  const { secret, token } = await makeToken(base, owner, 1, 'owner', 'audit-actor-token');
  const r = await tapi(base, secret, 'PATCH', '/api/v1/workspaces/1', { language: 'sq' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const e = await entryFor(r);
  const a = text(e.actor);
  assert.ok(a.includes('audit-actor-token') || (token.prefix && a.includes(token.prefix)) || /token/i.test(a), `actor names the token: ${a}`);
  assert.ok(!a.includes(secret), 'no secret in the actor');
});

test('entries are newest first; limit and before page through them', async () => {
  const all = await audit(1);
  assert.ok(all.length >= 6, `${all.length} entries`);
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].id > all[i].id, 'ids strictly descending');
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].created_at >= all[i].created_at, 'newest first');
  const two = await audit(1, 'limit=2');
  assert.deepEqual(two.map((x) => x.id), all.slice(0, 2).map((x) => x.id));
  const next = await audit(1, `limit=2&before=${two[1].id}`);
  assert.deepEqual(next.map((x) => x.id), all.slice(2, 4).map((x) => x.id));
  for (const q of ['limit=0', 'limit=201', 'limit=abc', 'before=abc']) {
    const r = await sapi(base, owner, 'GET', `/api/v1/workspaces/1/audit?${q}`);
    assert.equal(r.status, 400, `${q}: ${r.status}`);
    assert.equal(typeof r.body.code, 'string');
  }
});

test('the audit log of a workspace holds only that workspace\'s changes', async () => {
  const r = await sapi(base, owner, 'PATCH', '/api/v1/workspaces/2', { name: 'Furra e Lagjes Audit' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const rid = r.headers.get('x-request-id');
  assert.ok((await audit(2)).some((x) => x.request_id === rid), 'in ws 2 audit');
  assert.ok(!(await audit(1)).some((x) => x.request_id === rid), 'not in ws 1 audit');
  assert.ok(!JSON.stringify(await audit(1)).includes('Furra e Lagjes Audit'));
  await sapi(base, owner, 'PATCH', '/api/v1/workspaces/2', { name: 'Furra e Lagjes' });
});

test('non-owners get 403 auth.forbidden on the audit log (tokens and sessions)', async () => {
  for (const role of ROLES) {
    const { secret } = await makeToken(base, owner, 1, role, `audit-read-${role}`);
    const r = await tapi(base, secret, 'GET', '/api/v1/workspaces/1/audit');
    if (role === 'owner') assert.equal(r.status, 200, JSON.stringify(r.body));
    else assertProblem(r, 403, 'auth.forbidden', undefined, role);
    assertProblem(await tapi(base, secret, 'GET', '/api/v1/workspaces/2/audit'), 404, 'workspace.not_found', undefined, `${role} ws 2`);
  }
  for (const email of [DEMO.strategist, DEMO.client_approver]) {
    const s = await login(base, email);
    assertProblem(await sapi(base, s, 'GET', '/api/v1/workspaces/1/audit'), 403, 'auth.forbidden', undefined, email);
  }
  assertProblem(await api(base, 'GET', '/api/v1/workspaces/1/audit'), 401, 'auth.required');
});

test('refused changes leave no audit entry', async () => {
  const before = (await audit(1)).map((x) => x.id);
  const s = await login(base, DEMO.strategist);
  await sapi(base, s, 'PATCH', '/api/v1/workspaces/1', { name: 'nope' });
  await sapi(base, owner, 'PATCH', '/api/v1/workspaces/1', { timezone: 'Mars/Olympus' });
  const sokol = await memberByEmail(base, owner, 1, DEMO.analyst);
  await sapi(base, owner, 'PATCH', `/api/v1/workspaces/1/members/${sokol.user_id}`, { role: 'emperor' });
  await sapi(base, owner, 'PATCH', `/api/v1/workspaces/1/members/${eliraId}`, { role: 'analyst' });
  assert.deepEqual((await audit(1)).map((x) => x.id), before);
});
