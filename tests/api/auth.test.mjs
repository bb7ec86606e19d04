// Authentication: login, sessions, logout, CSRF, password change, session
// revocation on role change / removal, and bearer tokens (docs/api.md
// "Authentication", ../shared/SECURITY.md "Sessions", "CSRF").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO_PASSWORD } from '../lib/server.mjs';
import {
  api, login, sapi, tapi, cookieOf, assertProblem, memberByEmail, makeToken, cliToken, DEMO,
} from './_helpers.mjs';

let srv;
let base;
let owner; // elira's session, used for admin actions

before(async () => {
  srv = await startServer({ demo: true });
  base = srv.url;
  owner = await login(base, DEMO.owner);
});

after(async () => {
  if (srv) await srv.stop();
});

const loginReq = (email, password, extra = {}) =>
  api(base, 'POST', '/api/v1/auth/login', { body: { email, password }, origin: base, ...extra });

test('login: 200 with user and csrf_token, cookie HttpOnly, SameSite=Lax, Path=/', async () => {
  const r = await loginReq(DEMO.client_approver, DEMO_PASSWORD);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.equal(r.body.user.email, DEMO.client_approver);
  assert.equal(typeof r.body.user.id, 'number');
  assert.equal(typeof r.body.csrf_token, 'string');
  assert.ok(r.body.csrf_token.length >= 32, 'csrf_token has at least 128 bits');
  assert.doesNotMatch(JSON.stringify(r.body), /argon2|password_hash|drita-demo/, 'no password or hash in the answer');
  const sc = r.headers.getSetCookie();
  const c = sc.find((x) => /^kanal_session=/.test(x));
  assert.ok(c, 'Set-Cookie kanal_session over plain HTTP: ' + JSON.stringify(sc));
  const attrs = c.split(';').map((s) => s.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), c);
  assert.ok(attrs.includes('samesite=lax'), c);
  assert.ok(attrs.includes('path=/'), c);
  assert.ok(!attrs.some((a) => a.startsWith('domain=')), 'host-only cookie: ' + c);
  const value = c.split(';')[0].slice('kanal_session='.length);
  assert.ok(value.length >= 43, `session id carries 256 bits (got ${value.length} chars)`);
  // Rotated at login: a second login gets a different id and csrf token.
  const r2 = await loginReq(DEMO.client_approver, DEMO_PASSWORD);
  assert.equal(r2.status, 200);
  assert.notEqual(cookieOf(r2), c.split(';')[0]);
  assert.notEqual(r2.body.csrf_token, r.body.csrf_token);
});

test('login: wrong password and unknown user give the same 401 auth.invalid_credentials', async () => {
  const wrong = await loginReq(DEMO.analyst, 'not-the-password');
  const unknown = await loginReq('nobody-here@example.org', 'not-the-password');
  assertProblem(wrong, 401, 'auth.invalid_credentials', undefined, 'wrong password');
  assertProblem(unknown, 401, 'auth.invalid_credentials', undefined, 'unknown user');
  assert.equal(cookieOf(wrong), null, 'no session cookie on failure');
  assert.equal(cookieOf(unknown), null, 'no session cookie on failure');
  const shape = (b) => ({ ...b, request_id: undefined });
  assert.deepEqual(shape(wrong.body), shape(unknown.body), 'no user enumeration through the body');
  assert.deepEqual(Object.keys(wrong.body).sort(), Object.keys(unknown.body).sort());
});

test('GET /api/v1/me: user, csrf_token and workspaces with role', async () => {
  const r = await sapi(base, owner, 'GET', '/api/v1/me');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.user.email, DEMO.owner);
  assert.equal(r.body.csrf_token, owner.csrf);
  const ws = [...r.body.workspaces].sort((a, b) => a.id - b.id);
  // Slugs are derived from the names (the server says hotel-guri-i-kuq).
  assert.deepEqual(ws.map((w) => [w.id, w.role]), [[1, 'owner'], [2, 'owner']]);
  assert.match(ws[0].slug, /^([a-z0-9]+-)*guri-i-kuq$/);
  assert.equal(ws[1].slug, 'furra-e-lagjes');
  assert.equal(ws[0].name, 'Hotel Guri i Kuq');
  assert.equal(ws[1].name, 'Furra e Lagjes');
  for (const w of ws) {
    for (const k of ['timezone', 'language', 'currency']) assert.equal(typeof w[k], 'string', `${k} in ${JSON.stringify(w)}`);
  }
  const ana = await login(base, DEMO.client_approver);
  const ra = await sapi(base, ana, 'GET', '/api/v1/me');
  assert.equal(ra.status, 200);
  assert.deepEqual(ra.body.workspaces.map((w) => [w.id, w.role]), [[1, 'client_approver']]);
  assertProblem(await api(base, 'GET', '/api/v1/me'), 401, 'auth.required');
  assertProblem(await api(base, 'GET', '/api/v1/me', { cookie: 'kanal_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 401, 'auth.invalid');
});

test('logout: 204, the session is revoked (old cookie -> 401 auth.invalid)', async () => {
  const s = await login(base, DEMO.strategist);
  const other = await login(base, DEMO.strategist);
  assert.equal((await sapi(base, s, 'GET', '/api/v1/me')).status, 200);
  const r = await sapi(base, s, 'POST', '/api/v1/auth/logout');
  assert.equal(r.status, 204, JSON.stringify(r.body));
  assertProblem(await sapi(base, s, 'GET', '/api/v1/me'), 401, 'auth.invalid', undefined, 'after logout');
  assertProblem(await sapi(base, s, 'POST', '/api/v1/auth/logout'), 401, 'auth.invalid', undefined, 'logout twice');
  // Only that session: another session of the same user lives on.
  assert.equal((await sapi(base, other, 'GET', '/api/v1/me')).status, 200);
});

test('CSRF: cookie POST/PATCH/PUT/DELETE without token, with a wrong one, or with a foreign or missing Origin -> 403 auth.csrf, nothing changed', async () => {
  const wsBefore = await sapi(base, owner, 'GET', '/api/v1/workspaces/1');
  const membersBefore = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/members');
  const meBefore = await sapi(base, owner, 'GET', '/api/v1/me');
  assert.equal(wsBefore.status, 200);
  const sokol = membersBefore.body.members.find((m) => m.email === DEMO.analyst);
  assert.ok(sokol, 'sokol is a member of ws 1');
  const variants = {
    'no token': { cookie: owner.cookie, origin: base },
    'wrong token': { cookie: owner.cookie, origin: base, csrf: 'x' + owner.csrf.slice(1) },
    'empty token': { cookie: owner.cookie, origin: base, headers: { 'x-csrf-token': '' } },
    'foreign origin': { cookie: owner.cookie, origin: 'http://evil.example', csrf: owner.csrf },
    'origin null': { cookie: owner.cookie, origin: 'null', csrf: owner.csrf },
    'origin other port': { cookie: owner.cookie, origin: base.replace(/:\d+$/, ':1'), csrf: owner.csrf },
    'no origin': { cookie: owner.cookie, csrf: owner.csrf },
  };
  const calls = [
    ['PATCH', '/api/v1/workspaces/1', { name: 'Pwned' }],
    ['POST', '/api/v1/workspaces/1/members', { email: 'csrf-victim@example.org', role: 'owner' }],
    ['DELETE', `/api/v1/workspaces/1/members/${sokol.user_id}`, undefined],
    ['PATCH', `/api/v1/workspaces/1/members/${sokol.user_id}`, { role: 'owner' }],
    ['PATCH', '/api/v1/me', { name: 'Pwned' }],
    ['PUT', '/api/v1/me/password', { current_password: DEMO_PASSWORD, new_password: 'a-brand-new-pass-9' }],
    ['POST', '/api/v1/workspaces', { name: 'Pwned', timezone: 'Europe/Tirane', language: 'sq', currency: 'ALL' }],
    ['POST', '/api/v1/workspaces/1/tokens', { name: 'csrf', role: 'owner' }],
    ['POST', '/api/v1/auth/logout', undefined],
  ];
  const bad = [];
  for (const [vname, opts] of Object.entries(variants)) {
    for (const [method, path, body] of calls) {
      const r = await api(base, method, path, { body, ...opts });
      if (r.status !== 403 || r.body?.code !== 'auth.csrf') bad.push(`${vname}: ${method} ${path} -> ${r.status} ${r.body?.code}`);
    }
  }
  assert.deepEqual(bad, []);
  const wsAfter = await sapi(base, owner, 'GET', '/api/v1/workspaces/1');
  const membersAfter = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/members');
  const meAfter = await sapi(base, owner, 'GET', '/api/v1/me');
  assert.equal(meAfter.status, 200, 'the session survived (logout was refused)');
  assert.deepEqual(wsAfter.body, wsBefore.body);
  assert.deepEqual(membersAfter.body, membersBefore.body);
  assert.deepEqual(meAfter.body.user, meBefore.body.user);
  assert.equal(meAfter.body.workspaces.length, meBefore.body.workspaces.length, 'no workspace created');
  // The password did not change either.
  assert.equal((await loginAgain(DEMO.owner)).status, 200);
  // The same request with the right token and Origin goes through.
  const ok = await sapi(base, owner, 'PATCH', '/api/v1/me', { name: meBefore.body.user.name });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

const loginAgain = (email) => loginReq(email, DEMO_PASSWORD);

test('GET never changes state', async () => {
  const s = await login(base, DEMO.strategist);
  const members1 = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/members');
  const audit1 = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/audit');
  assert.equal(audit1.status, 200);
  const sokol = members1.body.members.find((m) => m.email === DEMO.analyst);
  // GET on state-changing routes is 405, not the action.
  const g1 = await sapi(base, s, 'GET', '/api/v1/auth/logout');
  assertProblem(g1, 405, 'route.method_not_allowed');
  const g2 = await sapi(base, owner, 'GET', `/api/v1/workspaces/1/members/${sokol.user_id}?role=owner`);
  assertProblem(g2, 405, 'route.method_not_allowed');
  const g3 = await sapi(base, owner, 'GET', '/api/v1/me/password?new_password=whatever-1234');
  assertProblem(g3, 405, 'route.method_not_allowed');
  // Query strings on GET routes do not write.
  await sapi(base, owner, 'GET', '/api/v1/workspaces/1?name=Pwned');
  await sapi(base, owner, 'GET', '/api/v1/me?name=Pwned');
  assert.equal((await sapi(base, s, 'GET', '/api/v1/me')).status, 200, 'GET logout did not log out');
  assert.deepEqual((await sapi(base, owner, 'GET', '/api/v1/workspaces/1/members')).body, members1.body);
  assert.equal((await sapi(base, owner, 'GET', '/api/v1/workspaces/1')).body.workspace.name, 'Hotel Guri i Kuq');
  assert.notEqual((await sapi(base, owner, 'GET', '/api/v1/me')).body.user.name, 'Pwned');
  const audit2 = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/audit');
  assert.deepEqual(audit2.body.entries.map((e) => e.id), audit1.body.entries.map((e) => e.id), 'no audit entries from GETs');
});

test('password change: revokes every other session, fresh cookie, validation codes', async () => {
  const email = DEMO.content_manager;
  const a = await login(base, email);
  const b = await login(base, email);
  const path = '/api/v1/me/password';

  const wrong = await sapi(base, a, 'PUT', path, { current_password: 'not-my-password', new_password: 'kanal-new-pass-2026' });
  assert.ok([400, 403].includes(wrong.status), `wrong current password: ${wrong.status}`);
  assert.equal(wrong.body.code, 'auth.invalid_credentials');
  assertProblem(await sapi(base, a, 'PUT', path, { current_password: DEMO_PASSWORD, new_password: 'short1' }), 400, 'password.too_short', '$.new_password');
  assertProblem(await sapi(base, a, 'PUT', path, { current_password: DEMO_PASSWORD, new_password: 'password123' }), 400, 'password.common', '$.new_password');
  assertProblem(await sapi(base, a, 'PUT', path, { current_password: DEMO_PASSWORD }), 400, 'field.required', '$.new_password');
  // None of the refusals revoked anything.
  assert.equal((await sapi(base, a, 'GET', '/api/v1/me')).status, 200);
  assert.equal((await sapi(base, b, 'GET', '/api/v1/me')).status, 200);

  const newPw = 'kanal-new-pass-2026';
  const ok = await sapi(base, a, 'PUT', path, { current_password: DEMO_PASSWORD, new_password: newPw });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(typeof ok.body.csrf_token, 'string');
  const fresh = cookieOf(ok);
  assert.ok(fresh, 'a fresh session cookie is set');
  assert.notEqual(fresh, a.cookie);
  assertProblem(await sapi(base, a, 'GET', '/api/v1/me'), 401, 'auth.invalid', undefined, 'the session that changed it');
  assertProblem(await sapi(base, b, 'GET', '/api/v1/me'), 401, 'auth.invalid', undefined, 'another session');
  const f = { cookie: fresh, csrf: ok.body.csrf_token };
  const me = await sapi(base, f, 'GET', '/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.user.email, email);
  // The fresh session can write (its CSRF token is the one returned).
  assert.equal((await sapi(base, f, 'PATCH', '/api/v1/me', { language: 'sq' })).status, 200);
  assertProblem(await loginReq(email, DEMO_PASSWORD), 401, 'auth.invalid_credentials', undefined, 'old password');
  assert.equal((await loginReq(email, newPw)).status, 200, 'new password');
});

test('role change by the owner revokes that member\'s sessions', async () => {
  const d = await login(base, DEMO.community_manager);
  assert.equal((await sapi(base, d, 'GET', '/api/v1/me')).status, 200);
  const m = await memberByEmail(base, owner, 1, DEMO.community_manager);
  assert.equal(m.role, 'community_manager');
  const r = await sapi(base, owner, 'PATCH', `/api/v1/workspaces/1/members/${m.user_id}`, { role: 'analyst' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.member.role, 'analyst');
  assertProblem(await sapi(base, d, 'GET', '/api/v1/me'), 401, 'auth.invalid', undefined, 'old cookie after role change');
  // Signing in again shows the new role.
  const d2 = await login(base, DEMO.community_manager);
  const me = await sapi(base, d2, 'GET', '/api/v1/me');
  assert.equal(me.body.workspaces.find((w) => w.id === 1).role, 'analyst');
  assert.equal(me.body.workspaces.find((w) => w.id === 2).role, 'community_manager', 'role in the other workspace unchanged');
  // The owner's own session is untouched.
  assert.equal((await sapi(base, owner, 'GET', '/api/v1/me')).status, 200);
});

test('member removal revokes that member\'s sessions', async () => {
  const l = await login(base, DEMO.creative);
  const m = await memberByEmail(base, owner, 1, DEMO.creative);
  const r = await sapi(base, owner, 'DELETE', `/api/v1/workspaces/1/members/${m.user_id}`);
  assert.equal(r.status, 204, JSON.stringify(r.body));
  assertProblem(await sapi(base, l, 'GET', '/api/v1/me'), 401, 'auth.invalid', undefined, 'old cookie after removal');
  assert.equal(await memberByEmail(base, owner, 1, DEMO.creative), null);
  const l2 = await login(base, DEMO.creative);
  assertProblem(await sapi(base, l2, 'GET', '/api/v1/workspaces/1'), 404, 'workspace.not_found', undefined, 'removed member');
  assert.equal((await sapi(base, l2, 'GET', '/api/v1/workspaces/2')).status, 200, 'still a member of ws 2');
});

test('bearer tokens: own workspace only, no CSRF needed, session-only routes refused, revoked -> 401', async () => {
  const analyst = cliToken(srv.db, 1, 'analyst', 'cli-analyst');
  const { secret: ownerTok } = await makeToken(base, owner, 1, 'owner', 'api-owner');

  const w1 = await tapi(base, analyst, 'GET', '/api/v1/workspaces/1');
  assert.equal(w1.status, 200, JSON.stringify(w1.body));
  assert.equal(w1.body.workspace.id, 1);
  assert.equal(w1.body.role, 'analyst');
  assert.ok(w1.body.permissions.includes('analytics.read'));
  assert.ok(!w1.body.permissions.includes('workspace.admin'));
  assertProblem(await tapi(base, analyst, 'GET', '/api/v1/workspaces/2'), 404, 'workspace.not_found');
  assertProblem(await tapi(base, analyst, 'GET', '/api/v1/workspaces/2/members'), 404, 'workspace.not_found');
  assertProblem(await tapi(base, analyst, 'GET', '/api/v1/workspaces/999'), 404, 'workspace.not_found');
  assertProblem(await tapi(base, analyst, 'PATCH', '/api/v1/workspaces/1', { name: 'x' }), 403, 'auth.forbidden');
  const roles = await tapi(base, analyst, 'GET', '/api/v1/roles');
  assert.equal(roles.status, 200, '/roles takes any auth');

  for (const [m, p, b] of [
    ['GET', '/api/v1/me', undefined],
    ['PATCH', '/api/v1/me', { name: 'x' }],
    ['PUT', '/api/v1/me/password', { current_password: 'x', new_password: 'y' }],
    ['GET', '/api/v1/workspaces', undefined],
    ['POST', '/api/v1/workspaces', { name: 'T', timezone: 'UTC', language: 'en', currency: 'EUR' }],
    ['POST', '/api/v1/auth/logout', undefined],
  ]) {
    assertProblem(await tapi(base, ownerTok, m, p, b), 403, 'auth.session_required', undefined, `${m} ${p} with a token`);
  }

  // A token writes without CSRF header or Origin.
  const patched = await tapi(base, ownerTok, 'PATCH', '/api/v1/workspaces/1', { language: 'en' });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));

  // Revoke over the API; then 401 auth.invalid.
  const list = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/tokens');
  assert.equal(list.status, 200);
  const t = list.body.tokens.find((x) => x.name === 'cli-analyst');
  assert.ok(t, 'CLI token listed');
  assert.equal(t.role, 'analyst');
  assert.equal(t.revoked_at, null);
  assert.equal(JSON.stringify(list.body).includes(analyst), false, 'the secret is never listed');
  assert.ok(analyst.startsWith(t.prefix), `prefix ${t.prefix} is the start of the secret`);
  assert.ok(t.last_used_at, 'last_used_at set after use');
  const del = await sapi(base, owner, 'DELETE', `/api/v1/workspaces/1/tokens/${t.id}`);
  assert.equal(del.status, 204, JSON.stringify(del.body));
  assertProblem(await tapi(base, analyst, 'GET', '/api/v1/workspaces/1'), 401, 'auth.invalid', undefined, 'revoked token');
  assertProblem(await tapi(base, 'kanal_not-a-real-token', 'GET', '/api/v1/workspaces/1'), 401, 'auth.invalid');
  assertProblem(await api(base, 'GET', '/api/v1/workspaces/1', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401, 'auth.invalid');
  assertProblem(await api(base, 'GET', '/api/v1/workspaces/1'), 401, 'auth.required');
  const after = await sapi(base, owner, 'GET', '/api/v1/workspaces/1/tokens');
  assert.ok(after.body.tokens.find((x) => x.id === t.id).revoked_at, 'revoked_at set');
});

test('a token scoped to ws 2 cannot reach ws 1', async () => {
  const t2 = cliToken(srv.db, 2, 'owner', 'ws2-owner');
  assert.equal((await tapi(base, t2, 'GET', '/api/v1/workspaces/2')).status, 200);
  assertProblem(await tapi(base, t2, 'GET', '/api/v1/workspaces/1'), 404, 'workspace.not_found');
  assertProblem(await tapi(base, t2, 'PATCH', '/api/v1/workspaces/1', { name: 'x' }), 404, 'workspace.not_found');
});

test('login refuses a foreign Origin (login CSRF)', async () => {
  const r = await loginReq(DEMO.client_approver, DEMO_PASSWORD, { origin: 'http://evil.example' });
  assertProblem(r, 403, 'auth.csrf');
  assert.equal(cookieOf(r), null);
});

test('unknown users cost the same work as wrong passwords (no timing oracle)', async (t) => {
  const time = async (email) => {
    const t0 = process.hrtime.bigint();
    const r = await loginReq(email, 'definitely-wrong-1');
    assert.equal(r.status, 401);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const known = [];
  const unknown = [];
  for (let i = 0; i < 3; i++) {
    known.push(await time(DEMO.strategist));
    unknown.push(await time(`nobody-${i}@example.org`));
  }
  const med = (a) => [...a].sort((x, y) => x - y)[1];
  t.diagnostic(`median ms: wrong password ${med(known).toFixed(1)}, unknown user ${med(unknown).toFixed(1)}`);
  assert.ok(med(unknown) > 0.5 * med(known), `unknown user answered much faster: ${med(unknown)} vs ${med(known)} ms`);
  assert.ok(med(known) > 0.5 * med(unknown), `wrong password answered much faster: ${med(known)} vs ${med(unknown)} ms`);
});

// Last: these throttle the account and the address.

test('login throttling: repeated failures for one account -> 429 auth.throttled with Retry-After', async (t) => {
  const email = DEMO.campaign_manager;
  let throttled = null;
  let n = 0;
  for (; n < 30 && !throttled; n++) {
    const r = await loginReq(email, `wrong-${n}`);
    if (r.status === 429) throttled = r;
    else assertProblem(r, 401, 'auth.invalid_credentials', undefined, `attempt ${n}`);
  }
  assert.ok(throttled, 'no 429 after 30 failed logins');
  t.diagnostic(`throttled at attempt ${n}, Retry-After ${throttled.headers.get('retry-after')}`);
  assert.ok(n >= 3, `throttled after ${n} attempts: too eager`);
  assertProblem(throttled, 429, 'auth.throttled');
  const ra = throttled.headers.get('retry-after');
  assert.match(ra || '', /^\d+$/, 'Retry-After in seconds');
  assert.ok(Number(ra) >= 1);
  // While throttled, even the right password is refused.
  const right = await loginReq(email, DEMO_PASSWORD);
  assertProblem(right, 429, 'auth.throttled', undefined, 'right password while throttled');
  assert.equal(cookieOf(right), null);
});

test('login throttling per address: many accounts from one IP -> 429, X-Forwarded-For not trusted', async () => {
  let throttled = null;
  for (let n = 0; n < 40 && !throttled; n++) {
    const r = await loginReq(`spray-${n}@example.org`, 'wrong-password-1', { headers: { 'x-forwarded-for': `203.0.113.${n + 1}` } });
    if (r.status === 429) throttled = r;
    else assertProblem(r, 401, 'auth.invalid_credentials', undefined, `spray ${n}`);
  }
  assert.ok(throttled, 'no 429 after 40 failed logins on 40 accounts from one address');
  assertProblem(throttled, 429, 'auth.throttled');
  assert.match(throttled.headers.get('retry-after') || '', /^\d+$/);
  // The address is throttled, whatever the account.
  assertProblem(await loginReq(DEMO.client_approver, DEMO_PASSWORD), 429, 'auth.throttled', undefined, 'good account from a throttled address');
  // Sessions already open keep working.
  assert.equal((await sapi(base, owner, 'GET', '/api/v1/me')).status, 200);
});

test('behind an https public URL: __Host- cookie with Secure, and Origin must be that URL', async () => {
  const pub = 'https://social.example.test';
  const s2 = await startServer({ demo: true, env: { KANAL_PUBLIC_URL: pub } });
  try {
    // (Login itself is not cookie-authenticated; the server checks its Origin only without a public URL.)
    const r = await api(s2.url, 'POST', '/api/v1/auth/login', { body: { email: DEMO.owner, password: DEMO_PASSWORD }, origin: pub });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const c = r.headers.getSetCookie().find((x) => x.startsWith('__Host-kanal_session='));
    assert.ok(c, 'cookie named __Host-kanal_session: ' + JSON.stringify(r.headers.getSetCookie()));
    const attrs = c.split(';').map((x) => x.trim().toLowerCase());
    for (const a of ['secure', 'httponly', 'samesite=lax', 'path=/']) assert.ok(attrs.includes(a), `${a} in ${c}`);
    assert.ok(!attrs.some((a) => a.startsWith('domain=')), c);
    const sess = { cookie: c.split(';')[0], csrf: r.body.csrf_token };
    assert.equal((await api(s2.url, 'GET', '/api/v1/me', { cookie: sess.cookie })).status, 200);
    const wrongOrigin = await api(s2.url, 'PATCH', '/api/v1/me', { body: { language: 'en' }, cookie: sess.cookie, csrf: sess.csrf, origin: s2.url });
    assertProblem(wrongOrigin, 403, 'auth.csrf', undefined, 'state change with the local Origin');
    const ok = await api(s2.url, 'PATCH', '/api/v1/me', { body: { language: 'en' }, cookie: sess.cookie, csrf: sess.csrf, origin: pub });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  } finally {
    await s2.stop();
  }
});
