// Tenant isolation and roles, generated from the route table: every
// operation in /api/v1/openapi.json x every role x own / foreign / unknown
// workspace, with bearer tokens and with cookie sessions. Expectations come
// from the x-permission of each operation and the matrix of src/core/perm.c
// (mirrored in _helpers.mjs). ../shared/SECURITY.md promise 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import {
  api, login, sapi, tapi, assertProblem, makeToken, cliToken, memberByEmail,
  ROLES, WS_PERMISSIONS, NON_WS_PERMISSIONS, allows, permsOf, DEMO, pool,
} from './_helpers.mjs';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const WS_PREFIX = '/api/v1/workspaces/{ws}';

let srv;
let base;
let owner;
let spec;
let ops = []; // { method, path, perm }
const tokens = {}; // role -> secret (workspace 1)
let ws2Token; // a real token of workspace 2 (foreign ids)
let ws2TokenId;
let foreignUserId; // a member of workspace 2
let outsider; // a user who is a member of workspace 2 only (analyst)
let outsiderId;

// The permission of each documented route (docs/api.md), to check the
// OpenAPI x-permission against the contract. Path parameters normalised to {}.
const DOC_ROUTES = {
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'session',
  'GET /api/v1/me': 'session',
  'PATCH /api/v1/me': 'session',
  'PUT /api/v1/me/password': 'session',
  'GET /api/v1/roles': 'auth',
  'GET /api/v1/workspaces': 'session',
  'POST /api/v1/workspaces': 'session',
  'GET /api/v1/workspaces/{}': 'workspace.read',
  'PATCH /api/v1/workspaces/{}': 'workspace.admin',
  'GET /api/v1/workspaces/{}/members': 'workspace.read',
  'POST /api/v1/workspaces/{}/members': 'workspace.admin',
  'PATCH /api/v1/workspaces/{}/members/{}': 'workspace.admin',
  'DELETE /api/v1/workspaces/{}/members/{}': 'workspace.admin',
  'GET /api/v1/workspaces/{}/tokens': 'workspace.admin',
  'POST /api/v1/workspaces/{}/tokens': 'workspace.admin',
  'DELETE /api/v1/workspaces/{}/tokens/{}': 'workspace.admin',
  'GET /api/v1/workspaces/{}/audit': 'audit.read',
};
const norm = (p) => p.replace(/\{[^}]*\}/g, '{}');

before(async () => {
  srv = await startServer({ demo: true });
  base = srv.url;
  owner = await login(base, DEMO.owner);
  const r = await api(base, 'GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  spec = r.body;
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const m of METHODS) {
      if (item[m]) ops.push({ method: m.toUpperCase(), path, perm: item[m]['x-permission'] });
    }
  }
  for (const role of ROLES) tokens[role] = (await makeToken(base, owner, 1, role, `matrix-${role}`)).secret;
  ws2Token = cliToken(srv.db, 2, 'owner', 'matrix-ws2');
  const l2 = await sapi(base, owner, 'GET', '/api/v1/workspaces/2/tokens');
  ws2TokenId = l2.body.tokens.find((t) => t.name === 'matrix-ws2').id;
  foreignUserId = (await memberByEmail(base, owner, 2, DEMO.analyst)).user_id;
  const add = await sapi(base, owner, 'POST', '/api/v1/workspaces/2/members',
    { email: 'outsider@example.org', role: 'analyst', name: 'Outsider', password: 'outsider-pass-2026' });
  assert.equal(add.status, 201, JSON.stringify(add.body));
  outsiderId = add.body.member.user_id;
  outsider = await login(base, 'outsider@example.org', 'outsider-pass-2026');
});

after(async () => {
  if (srv) await srv.stop();
});

// Fill path parameters. ws: the workspace id; foreign: use real ids of
// workspace 2's rows for the other parameters; else ids that do not exist.
function fill(path, ws, foreign) {
  return path.replace(/\{([^}]*)\}/g, (_, name) => {
    if (name === 'ws') return String(ws);
    if (!foreign) return '999999';
    if (/user/.test(name)) return String(foreignUserId);
    if (/^(id|token)/.test(name)) return String(ws2TokenId);
    return '1';
  });
}

const hasBody = (m) => m === 'POST' || m === 'PUT' || m === 'PATCH';
const wsOps = () => ops.filter((o) => o.path.startsWith(WS_PREFIX));

// Judge one answer. Returns null when as expected, else a description.
function judge(expect, r) {
  const code = r.body && typeof r.body === 'object' ? r.body.code : undefined;
  if (expect === 'allowed') {
    if (r.status === 401 || r.status === 403 || r.status >= 500 || (r.status === 404 && code === 'workspace.not_found')
      || (r.status === 404 && code === 'route.not_found') || r.status === 405) return `${r.status} ${code}`;
    return null;
  }
  const [st, cd] = { forbidden: [403, 'auth.forbidden'], foreign: [404, 'workspace.not_found'],
    session: [403, 'auth.session_required'], anonymous: [401, 'auth.required'] }[expect];
  if (r.status !== st || code !== cd) return `${r.status} ${code}`;
  return null;
}

test('openapi: every operation names a known x-permission; documented routes carry the documented one', () => {
  assert.ok(ops.length >= Object.keys(DOC_ROUTES).length, `only ${ops.length} operations`);
  const known = new Set([...WS_PERMISSIONS, ...NON_WS_PERMISSIONS]);
  const bad = ops.filter((o) => !known.has(o.perm)).map((o) => `${o.method} ${o.path}: ${o.perm}`);
  assert.deepEqual(bad, [], 'operations without a valid x-permission');
  const have = Object.fromEntries(ops.map((o) => [`${o.method} ${norm(o.path)}`, o.perm]));
  const diffs = [];
  for (const [k, p] of Object.entries(DOC_ROUTES)) if (have[k] !== p) diffs.push(`${k}: doc ${p}, openapi ${have[k]}`);
  assert.deepEqual(diffs, []);
  for (const o of ops) {
    if (o.path.startsWith(WS_PREFIX)) assert.ok(WS_PERMISSIONS.includes(o.perm), `${o.method} ${o.path} is a workspace route with ${o.perm}`);
  }
});

test('GET /api/v1/roles matches the matrix of perm.c', async () => {
  const r = await tapi(base, tokens.analyst, 'GET', '/api/v1/roles');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual([...r.body.roles].sort(), [...ROLES].sort());
  for (const p of WS_PERMISSIONS) assert.ok(r.body.permissions.includes(p), `permissions lists ${p}`);
  for (const role of ROLES) {
    assert.deepEqual([...r.body.matrix[role]].sort(), permsOf(role).sort(), `matrix row ${role}`);
  }
});

test('GET /workspaces/1 with each role\'s token reports that role and exactly its permissions', async () => {
  for (const role of ROLES) {
    const r = await tapi(base, tokens[role], 'GET', '/api/v1/workspaces/1');
    assert.equal(r.status, 200, `${role}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.role, role);
    assert.deepEqual([...r.body.permissions].sort(), permsOf(role).sort(), role);
  }
});

test('bearer tokens: route x role x own/foreign/unknown workspace; 0 unexpected 2xx', async (t) => {
  const m1 = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/members');
  const m2 = await sapi(base, owner, 'GET', '/api/v1/workspaces/2/members');
  const w1 = await sapi(base, owner, 'GET', '/api/v1/workspaces/1');
  const w2 = await sapi(base, owner, 'GET', '/api/v1/workspaces/2');
  const cases = [];
  for (const role of ROLES) {
    for (const o of wsOps()) {
      cases.push({ role, o, ws: 1, foreign: false, expect: allows(role, o.perm) ? 'allowed' : 'forbidden' });
      cases.push({ role, o, ws: 2, foreign: true, expect: 'foreign' });
      cases.push({ role, o, ws: 999, foreign: true, expect: 'foreign' });
    }
  }
  // Own workspace: other ids do not exist (999999), so allowed writes change nothing.
  const mismatches = [];
  let unexpected2xx = 0;
  await pool(cases, 4, async (c) => {
    const path = fill(c.o.path, c.ws, c.foreign);
    const r = await tapi(base, tokens[c.role], c.o.method, path, hasBody(c.o.method) ? {} : undefined);
    const bad = judge(c.expect, r);
    if (bad) mismatches.push(`${c.role} ${c.o.method} ${path} (${c.o.perm}): expected ${c.expect}, got ${bad}`);
    if (c.expect !== 'allowed' && r.status >= 200 && r.status < 300) unexpected2xx++;
  });
  t.diagnostic(`${cases.length} calls, ${mismatches.length} mismatches, ${unexpected2xx} unexpected 2xx`);
  assert.equal(unexpected2xx, 0, 'unexpected 2xx');
  assert.deepEqual(mismatches, []);
  // Nothing changed in either workspace, the foreign token still works.
  assert.deepEqual((await sapi(base, owner, 'GET', '/api/v1/workspaces/1/members')).body, m1.body);
  assert.deepEqual((await sapi(base, owner, 'GET', '/api/v1/workspaces/2/members')).body, m2.body);
  const pick = (w) => { const { name, slug, timezone, language, currency } = w.body.workspace; return { name, slug, timezone, language, currency }; };
  assert.deepEqual(pick(await sapi(base, owner, 'GET', '/api/v1/workspaces/1')), pick(w1));
  assert.deepEqual(pick(await sapi(base, owner, 'GET', '/api/v1/workspaces/2')), pick(w2));
  assert.equal((await tapi(base, ws2Token, 'GET', '/api/v1/workspaces/2')).status, 200, 'ws 2 token not revoked');
});

test('bearer tokens on routes outside workspaces: session routes 403 auth.session_required, auth routes allowed', async () => {
  const mismatches = [];
  for (const role of ROLES) {
    for (const o of ops.filter((x) => !x.path.startsWith(WS_PREFIX))) {
      if (o.perm === 'public') continue;
      const expect = o.perm === 'session' ? 'session' : 'allowed';
      const r = await tapi(base, tokens[role], o.method, fill(o.path, 1, false), hasBody(o.method) ? {} : undefined);
      const bad = judge(expect, r);
      if (bad) mismatches.push(`${role} ${o.method} ${o.path} (${o.perm}): expected ${expect}, got ${bad}`);
    }
  }
  assert.deepEqual(mismatches, []);
});

test('no credentials: every non-public route -> 401 auth.required (also on foreign ids)', async () => {
  const mismatches = [];
  for (const o of ops) {
    if (o.perm === 'public') continue;
    for (const ws of [1, 2]) {
      const path = fill(o.path, ws, ws === 2);
      const r = await api(base, o.method, path, hasBody(o.method) ? { body: {} } : {});
      const bad = judge('anonymous', r);
      if (bad) mismatches.push(`${o.method} ${path}: expected 401 auth.required, got ${bad}`);
      if (!o.path.includes('{ws}')) break;
    }
  }
  assert.deepEqual(mismatches, []);
});

test('cookie sessions: route x user x workspace (client approver and outsider see a foreign workspace as 404)', async (t) => {
  const users = [
    { who: 'elira', sess: owner, roles: { 1: 'owner', 2: 'owner' } },
    { who: 'ana', sess: await login(base, DEMO.client_approver), roles: { 1: 'client_approver', 2: null } },
    { who: 'sokol', sess: await login(base, DEMO.analyst), roles: { 1: 'analyst', 2: 'analyst' } },
    { who: 'luan', sess: await login(base, DEMO.creative), roles: { 1: 'creative', 2: 'creative' } },
    { who: 'outsider', sess: outsider, roles: { 1: null, 2: 'analyst' } },
  ];
  const m1 = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/members');
  const m2 = await sapi(base, owner, 'GET', '/api/v1/workspaces/2/members');
  const mismatches = [];
  let unexpected2xx = 0;
  let n = 0;
  for (const u of users) {
    for (const o of wsOps()) {
      for (const ws of [1, 2]) {
        const role = u.roles[ws];
        const expect = role === null ? 'foreign' : allows(role, o.perm) ? 'allowed' : 'forbidden';
        // A member's own workspace gets non-existent ids; a foreign one real ids of ws 2.
        const path = fill(o.path, ws, role === null);
        const r = await sapi(base, u.sess, o.method, path, hasBody(o.method) ? {} : undefined);
        n++;
        const bad = judge(expect, r);
        if (bad) mismatches.push(`${u.who} ${o.method} ${path} (${o.perm}): expected ${expect}, got ${bad}`);
        if (expect !== 'allowed' && r.status >= 200 && r.status < 300) unexpected2xx++;
      }
    }
  }
  t.diagnostic(`${n} calls, ${mismatches.length} mismatches, ${unexpected2xx} unexpected 2xx`);
  assert.equal(unexpected2xx, 0);
  assert.deepEqual(mismatches, []);
  assert.deepEqual((await sapi(base, owner, 'GET', '/api/v1/workspaces/1/members')).body, m1.body);
  assert.deepEqual((await sapi(base, owner, 'GET', '/api/v1/workspaces/2/members')).body, m2.body);
});

test('ids of another workspace\'s rows under your own workspace are not found, and untouched', async () => {
  const ownerTok = tokens.owner;
  // ws 2's token id under ws 1.
  const d = await tapi(base, ownerTok, 'DELETE', `/api/v1/workspaces/1/tokens/${ws2TokenId}`);
  assert.equal(d.status, 404, JSON.stringify(d.body));
  assert.notEqual(d.body.code, 'route.not_found');
  assert.equal((await tapi(base, ws2Token, 'GET', '/api/v1/workspaces/2')).status, 200, 'ws 2 token still valid');
  // A member of ws 2 only, under ws 1.
  const p = await tapi(base, ownerTok, 'PATCH', `/api/v1/workspaces/1/members/${outsiderId}`, { role: 'owner' });
  assert.equal(p.status, 404, JSON.stringify(p.body));
  const del = await tapi(base, ownerTok, 'DELETE', `/api/v1/workspaces/1/members/${outsiderId}`);
  assert.equal(del.status, 404, JSON.stringify(del.body));
  assert.equal(await memberByEmail(base, owner, 1, 'outsider@example.org'), null, 'not added to ws 1');
  const still = await memberByEmail(base, owner, 2, 'outsider@example.org');
  assert.equal(still?.role, 'analyst', 'still analyst of ws 2');
  // The ws 2 token's listing never appears under ws 1.
  const l1 = await tapi(base, ownerTok, 'GET', '/api/v1/workspaces/1/tokens');
  assert.equal(l1.status, 200);
  assert.equal(l1.body.tokens.some((x) => x.id === ws2TokenId || x.name === 'matrix-ws2'), false);
  // And ws 1's audit log holds nothing of ws 2.
  const a1 = await tapi(base, ownerTok, 'GET', '/api/v1/workspaces/1/audit?limit=200');
  assert.equal(a1.status, 200);
  assert.equal(JSON.stringify(a1.body).includes('outsider@example.org'), false, 'ws 2 member add not in ws 1 audit');
});

test('a token of a lower role cannot raise itself: token create with role owner by a non-owner is 403', async () => {
  for (const role of ROLES.filter((r) => r !== 'owner')) {
    assertProblem(await tapi(base, tokens[role], 'POST', '/api/v1/workspaces/1/tokens', { name: 'x', role: 'owner' }), 403, 'auth.forbidden', undefined, role);
    assertProblem(await tapi(base, tokens[role], 'POST', '/api/v1/workspaces/1/members', { email: 'x@example.org', role: 'owner' }), 403, 'auth.forbidden', undefined, role);
  }
});

test('a new workspace (POST /workspaces) belongs to its creator only', async () => {
  const arben = await login(base, DEMO.strategist);
  const r = await sapi(base, arben, 'POST', '/api/v1/workspaces', { name: 'Arben Side Project', timezone: 'Europe/Tirane', language: 'sq', currency: 'ALL' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.workspace.id;
  assert.ok(id > 2);
  const me = await sapi(base, arben, 'GET', '/api/v1/me');
  assert.equal(me.body.workspaces.find((w) => w.id === id)?.role, 'owner');
  const g = await sapi(base, arben, 'GET', `/api/v1/workspaces/${id}`);
  assert.equal(g.status, 200);
  assert.equal(g.body.role, 'owner');
  // Everyone else, elira (owner of 1 and 2) included, and every ws 1 token: 404.
  assertProblem(await sapi(base, owner, 'GET', `/api/v1/workspaces/${id}`), 404, 'workspace.not_found');
  assertProblem(await sapi(base, owner, 'GET', `/api/v1/workspaces/${id}/members`), 404, 'workspace.not_found');
  for (const role of ROLES) assertProblem(await tapi(base, tokens[role], 'GET', `/api/v1/workspaces/${id}`), 404, 'workspace.not_found', undefined, role);
  const ana = await login(base, DEMO.client_approver);
  assertProblem(await sapi(base, ana, 'PATCH', `/api/v1/workspaces/${id}`, { name: 'x' }), 404, 'workspace.not_found');
  const ws = await sapi(base, owner, 'GET', '/api/v1/workspaces');
  assert.equal(ws.status, 200);
  assert.deepEqual(ws.body.workspaces.map((w) => w.id).sort(), [1, 2]);
});
