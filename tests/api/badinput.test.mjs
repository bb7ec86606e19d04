// Bad input: limits, JSON errors, field validation, routing errors, domain
// validation, and a hostile corpus thrown at the routes. docs/api.md "Limits
// and bad input"; ../shared/SECURITY.md promise 4.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import {
  api, login, sapi, tapi, assertProblem, makeToken, memberByEmail, DEMO,
  rawRequest, buildRequest, pool,
} from './_helpers.mjs';

let srv;
let base;
let owner; // session
let tok; // owner token of ws 1
let sokolId;
let eliraId;

const JSON_CT = { 'content-type': 'application/json' };

before(async () => {
  srv = await startServer({ demo: true });
  base = srv.url;
  owner = await login(base, DEMO.owner);
  tok = (await makeToken(base, owner, 1, 'owner', 'badinput')).secret;
  sokolId = (await memberByEmail(base, owner, 1, DEMO.analyst)).user_id;
  eliraId = (await memberByEmail(base, owner, 1, DEMO.owner)).user_id;
});

after(async () => {
  if (srv) await srv.stop();
});

const wsName = async () => (await tapi(base, tok, 'GET', '/api/v1/workspaces/1')).body.workspace;

test('body over 1 MiB -> 413 request.too_large (Content-Length and chunked)', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 100) });
  let r;
  try {
    r = await api(base, 'PATCH', '/api/v1/workspaces/1', { raw: big, token: tok, headers: JSON_CT });
  } catch (e) {
    assert.fail(`fetch of a 1 MiB body failed (server closed before answering?): ${e.cause?.code || e.message}`);
  }
  assertProblem(r, 413, 'request.too_large');
  // Without a Content-Length: the server must count as it reads.
  const chunked = buildRequest('PATCH', '/api/v1/workspaces/1',
    { authorization: `Bearer ${tok}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked', expect: '100-continue' },
    Buffer.concat([Buffer.from((big.length).toString(16) + '\r\n'), Buffer.from(big), Buffer.from('\r\n0\r\n\r\n')]));
  const rr = await rawRequest(srv.port, chunked);
  assert.equal(rr.status, 413, rr.error || rr.text);
  assert.equal(rr.json?.code, 'request.too_large');
  assert.equal((await wsName()).name, 'Hotel Guri i Kuq');
  // Just under the limit the body is read and judged on its content.
  const under = JSON.stringify({ name: 'x'.repeat(1024 * 1024 - 100) });
  const u = await api(base, 'PATCH', '/api/v1/workspaces/1', { raw: under, token: tok, headers: JSON_CT });
  assert.equal(u.status, 400, JSON.stringify(u.body));
  assert.notEqual(u.body.code, 'request.too_large');
});

test('wrong content type -> 415 request.content_type', async () => {
  const body = JSON.stringify({ email: 'a@example.org', password: 'whatever-123' });
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
    const r = await api(base, 'POST', '/api/v1/auth/login', { raw: body, headers: { 'content-type': ct } });
    assertProblem(r, 415, 'request.content_type', undefined, ct);
  }
  const none = await api(base, 'PATCH', '/api/v1/workspaces/1', { raw: '{"name":"X"}', token: tok });
  // fetch sends text/plain;charset=UTF-8 for a string body without a type.
  assertProblem(none, 415, 'request.content_type', undefined, 'no explicit type');
  const ok = await api(base, 'PATCH', '/api/v1/workspaces/1', { raw: '{}', token: tok, headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(ok.status, 200, 'application/json with charset is accepted: ' + JSON.stringify(ok.body));
  assert.equal((await wsName()).name, 'Hotel Guri i Kuq');
});

test('invalid UTF-8 -> 400 json.invalid_utf8 with the field path', async () => {
  const raw = Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]); // {"name":"\xff"}
  const r = await api(base, 'PATCH', '/api/v1/workspaces/1', { raw, token: tok, headers: JSON_CT });
  assertProblem(r, 400, 'json.invalid_utf8', '$.name');
  const overlong = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
  assertProblem(await api(base, 'PATCH', '/api/v1/workspaces/1', { raw: overlong, token: tok, headers: JSON_CT }), 400, 'json.invalid_utf8', '$.name', 'overlong');
  const surrogate = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
  assertProblem(await api(base, 'PATCH', '/api/v1/workspaces/1', { raw: surrogate, token: tok, headers: JSON_CT }), 400, 'json.invalid_utf8', '$.name', 'UTF-8 surrogate');
  assert.equal((await wsName()).name, 'Hotel Guri i Kuq');
});

test('malformed JSON -> 400 json.malformed with a field', async () => {
  for (const raw of ['{"name": ', '{"name":"x",}', "{'name':'x'}", '{"name":"x"} trailing', '', 'nul']) {
    const r = await api(base, 'PATCH', '/api/v1/workspaces/1', { raw, token: tok, headers: JSON_CT });
    assertProblem(r, 400, 'json.malformed', undefined, JSON.stringify(raw));
    assert.equal(typeof r.body.field, 'string', `field for ${JSON.stringify(raw)}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.field, /^\$/, 'a JSON path');
  }
});

test('nesting depth 100 -> 400 json.too_deep; a 70 KB string -> 400 json.string_too_long', async () => {
  const deepA = '{"name":' + '['.repeat(100) + ']'.repeat(100) + '}';
  assertProblem(await api(base, 'PATCH', '/api/v1/workspaces/1', { raw: deepA, token: tok, headers: JSON_CT }), 400, 'json.too_deep');
  const deepO = '{"a":'.repeat(100) + '1' + '}'.repeat(100);
  assertProblem(await api(base, 'PATCH', '/api/v1/workspaces/1', { raw: deepO, token: tok, headers: JSON_CT }), 400, 'json.too_deep');
  const long = await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { name: 'x'.repeat(70 * 1024) });
  assertProblem(long, 400, 'json.string_too_long');
  const longKey = await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { ['k'.repeat(70 * 1024)]: 1 });
  assertProblem(longKey, 400, 'json.string_too_long');
});

test('field errors: required, type, unknown, too long, with JSON paths', async () => {
  assertProblem(await api(base, 'POST', '/api/v1/auth/login', { body: { password: 'x-123456' } }), 400, 'field.required', '$.email');
  assertProblem(await api(base, 'POST', '/api/v1/auth/login', { body: { email: 'a@example.org' } }), 400, 'field.required', '$.password');
  assertProblem(await tapi(base, tok, 'POST', '/api/v1/workspaces/1/members', { role: 'analyst' }), 400, 'field.required', '$.email');
  assertProblem(await tapi(base, tok, 'POST', '/api/v1/workspaces/1/tokens', { role: 'analyst' }), 400, 'field.required', '$.name');
  assertProblem(await tapi(base, tok, 'PATCH', `/api/v1/workspaces/1/members/${sokolId}`, {}), 400, 'field.required', '$.role');
  assertProblem(await api(base, 'POST', '/api/v1/auth/login', { body: { email: 5, password: 'x-123456' } }), 400, 'field.type', '$.email');
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { name: 12 }), 400, 'field.type', '$.name');
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { timezone: ['UTC'] }), 400, 'field.type', '$.timezone');
  assertProblem(await tapi(base, tok, 'POST', '/api/v1/workspaces/1/tokens', { name: 'x', role: 'analyst', expires_in_days: '30' }), 400, 'field.type', '$.expires_in_days');
  // A body that is not an object: the server names it json.not_object (docs/api.md is silent).
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', [1, 2]), 400, 'json.not_object', '$');
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { bogus: 1 }), 400, 'field.unknown', '$.bogus');
  assertProblem(await api(base, 'POST', '/api/v1/auth/login', { body: { email: 'a@example.org', password: 'x-123456', remember: true } }), 400, 'field.unknown', '$.remember');
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { name: 'x'.repeat(60000) }), 400, 'field.too_long', '$.name');
  assert.equal((await wsName()).name, 'Hotel Guri i Kuq');
});

test('routing: unknown route -> 404 route.not_found; wrong method -> 405 with Allow', async () => {
  assertProblem(await api(base, 'GET', '/api/v1/nope'), 404, 'route.not_found');
  assertProblem(await tapi(base, tok, 'GET', '/api/v1/workspaces/1/nope'), 404, 'route.not_found');
  assertProblem(await api(base, 'POST', '/api/v2/auth/login', { body: {} }), 404, 'route.not_found');
  const allowOf = (r) => (r.headers.get('allow') || '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const cases = [
    ['DELETE', '/api/v1/me', ['GET', 'PATCH'], ['DELETE', 'POST']],
    ['GET', '/api/v1/auth/login', ['POST'], ['GET']],
    ['PUT', '/api/v1/workspaces/1/members', ['GET', 'POST'], ['PUT', 'DELETE']],
    ['GET', `/api/v1/workspaces/1/members/${sokolId}`, ['PATCH', 'DELETE'], ['GET', 'POST']],
    ['POST', '/api/v1/workspaces/1', ['GET', 'PATCH'], ['POST', 'DELETE']],
    ['POST', '/healthz', ['GET'], ['POST']],
  ];
  for (const [m, p, must, mustNot] of cases) {
    const r = await tapi(base, tok, m, p, m === 'GET' || m === 'DELETE' ? undefined : {});
    assertProblem(r, 405, 'route.method_not_allowed', undefined, `${m} ${p}`);
    const allow = allowOf(r);
    for (const x of must) assert.ok(allow.includes(x), `${m} ${p}: Allow ${allow} lacks ${x}`);
    for (const x of mustNot) assert.ok(!allow.includes(x), `${m} ${p}: Allow ${allow} has ${x}`);
  }
});

test('an encoded NUL in the path is refused, not cut short', async () => {
  // …/1%00/members must not be served as …/1.
  for (const p of ['/api/v1/workspaces/1%00/members', '/api/v1/workspaces/1%00', '/healthz%00xyz', '/api/v1/me%00']) {
    const r = await tapi(base, tok, 'GET', p);
    assert.ok(r.status >= 400 && r.status < 500, `${p}: ${r.status} ${JSON.stringify(r.body).slice(0, 80)}`);
    assert.equal(typeof r.body?.code, 'string', `${p}: problem with a code`);
  }
});

test('time zone names that are file paths are refused (workspace.timezone)', async () => {
  const before = await wsName();
  try {
  // IANA names are IANA names, not file paths: no dot segments, no empty segments.
  for (const tz of ['Europe/../UTC', '../zoneinfo/UTC', './UTC', 'Europe/./Rome', 'Europe//Rome', '/usr/share/zoneinfo/UTC']) {
    assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { timezone: tz }), 400, 'workspace.timezone', '$.timezone', tz);
  }
  assert.equal((await wsName()).timezone, before.timezone);
  } finally {
    await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { timezone: before.timezone });
  }
});

test('workspace validation: time zone, currency', async () => {
  const ws = await wsName();
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { timezone: 'Mars/Olympus' }), 400, 'workspace.timezone', '$.timezone');
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { timezone: '../../../../etc/passwd' }), 400, 'workspace.timezone', '$.timezone');
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { currency: 'EURO' }), 400, 'workspace.currency', '$.currency');
  assertProblem(await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { currency: 'QQQ' }), 400, 'workspace.currency', '$.currency');
  const s = await sapi(base, owner, 'POST', '/api/v1/workspaces', { name: 'Mars Hotel', timezone: 'Mars/Olympus', language: 'en', currency: 'EUR' });
  assertProblem(s, 400, 'workspace.timezone', '$.timezone', 'POST /workspaces');
  assert.deepEqual(await wsName(), ws, 'nothing changed');
  // Valid values are taken.
  const ok = await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { timezone: 'Europe/Rome', currency: 'ALL' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.workspace.timezone, 'Europe/Rome');
  assert.equal(ok.body.workspace.currency, 'ALL');
  const back = await tapi(base, tok, 'PATCH', '/api/v1/workspaces/1', { timezone: ws.timezone, currency: ws.currency });
  assert.equal(back.status, 200);
});

test('members: bad role -> member.role; duplicate -> 409 member.exists; last owner -> 409 member.last_owner', async () => {
  assertProblem(await tapi(base, tok, 'POST', '/api/v1/workspaces/1/members', { email: 'new-one@example.org', role: 'emperor' }), 400, 'member.role', '$.role');
  assertProblem(await tapi(base, tok, 'PATCH', `/api/v1/workspaces/1/members/${sokolId}`, { role: 'admin' }), 400, 'member.role', '$.role');
  assertProblem(await tapi(base, tok, 'POST', '/api/v1/workspaces/1/tokens', { name: 'x', role: 'superuser' }), 400, 'token.role', '$.role');
  assertProblem(await tapi(base, tok, 'POST', '/api/v1/workspaces/1/members', { email: DEMO.analyst, role: 'analyst' }), 409, 'member.exists');
  const before = await tapi(base, tok, 'GET', '/api/v1/workspaces/1/members');
  assertProblem(await tapi(base, tok, 'PATCH', `/api/v1/workspaces/1/members/${eliraId}`, { role: 'analyst' }), 409, 'member.last_owner', undefined, 'demote');
  assertProblem(await tapi(base, tok, 'DELETE', `/api/v1/workspaces/1/members/${eliraId}`), 409, 'member.last_owner', undefined, 'remove');
  assert.deepEqual((await tapi(base, tok, 'GET', '/api/v1/workspaces/1/members')).body, before.body);
  assert.equal((await memberByEmail(base, { token: tok }, 1, DEMO.owner)).role, 'owner');
  // A second owner can be made and demoted again; then elira is the last again.
  const p = await tapi(base, tok, 'PATCH', `/api/v1/workspaces/1/members/${sokolId}`, { role: 'owner' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  const q = await tapi(base, tok, 'PATCH', `/api/v1/workspaces/1/members/${sokolId}`, { role: 'analyst' });
  assert.equal(q.status, 200, JSON.stringify(q.body));
  assertProblem(await tapi(base, tok, 'DELETE', `/api/v1/workspaces/1/members/${eliraId}`), 409, 'member.last_owner', undefined, 'remove again');
});

// ------------------------------------------------------------ hostile corpus

function corpus() {
  const items = []; // { name, req: Buffer, mhd?: true }
  const auth = { authorization: `Bearer ${tok}` };
  const add = (name, method, target, headers, body, mhd = false) => {
    const it = { name, req: buildRequest(method, target, headers, body), mhd };
    items.push(it);
    return it;
  };
  const targets = [
    ['PATCH', '/api/v1/workspaces/1', auth],
    ['POST', '/api/v1/workspaces/1/members', auth],
    ['POST', '/api/v1/workspaces/1/tokens', auth],
    ['PATCH', `/api/v1/workspaces/1/members/${sokolId}`, auth],
    ['POST', '/api/v1/auth/login', {}],
    ['PATCH', '/api/v1/me', { cookie: owner.cookie, 'x-csrf-token': owner.csrf, origin: base }],
  ];
  const generic = [
    '', ' ', 'null', 'true', '0', '-1', '"x"', '[]', '[{}]', '[1,2]', '{', '}', '{"a"', '{"a":}', '{"a":1,}',
    "{'a':1}", '{"a":1}{"b":2}', '{"a":NaN}', '{"a":Infinity}', '{"a":1e999999}', '{"a":-1e999999}',
    '{"a":123456789012345678901234567890123456789}', '\0', '{"\0":1}', '{\0"name":"x"}', '{"name":"a\0b"}',
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), '{"name":"\\ud800"}', '{"name":"\\u00"}',
    '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    JSON.stringify(Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]))),
  ];
  for (const [m, p, h] of targets) {
    for (const b of generic) add(`${m} ${p} generic ${JSON.stringify(String(b)).slice(0, 40)}`, m, p, { ...h, 'content-type': 'application/json' }, b);
  }
  const j = (o) => JSON.stringify(o);
  const specific = [
    ['PATCH', '/api/v1/workspaces/1', auth, [
      { timezone: '../../etc/passwd' }, { timezone: '/etc/localtime' }, { timezone: 'Europe/Tirane\u0000' },
      { timezone: 'Europe/../UTC' }, { timezone: '' }, { timezone: 'x'.repeat(5000) }, { timezone: 5 },
      { timezone: 'posix/../../../../etc/passwd' }, { timezone: 'Europe/Tirane ' }, { timezone: '../zoneinfo/UTC' },
      { timezone: './UTC' }, { timezone: 'Europe/./Rome' }, { timezone: 'Europe//Rome' },
      { currency: 'EURO' }, { currency: 'E\u0000R' }, { currency: '' }, { currency: '12€' }, { currency: 978 },
      { language: 'xx' }, { language: 'en\u0000' }, { language: ['en'] }, { language: '' },
      { name: '' }, { name: {} }, { name: 12 }, { name: 'a\u0000b' }, { name: 'x'.repeat(60000) }, { name: null, bogus: 1 },
    ]],
    ['POST', '/api/v1/workspaces/1/members', auth, [
      { email: 'not-an-email', role: 'analyst' }, { email: '', role: 'analyst' }, { email: 'a@b.al\u0000x', role: 'analyst' },
      { email: 'x'.repeat(70000), role: 'analyst' }, { email: 'a@' + 'b'.repeat(400) + '.al', role: 'analyst' },
      { email: 'new1@example.org', role: 'OWNER' }, { email: 'new2@example.org', role: 'owner ' }, { email: 'new3@example.org', role: '' },
      { email: 'new4@example.org', role: null }, { email: 'new5@example.org', role: 1 }, { email: 'new6@example.org', role: ['owner'] },
      { email: DEMO.analyst, role: 'analyst' }, { email: 'new7@example.org', role: 'analyst', password: 'short' },
      { email: 'new8@example.org', role: 'analyst', password: 'password123' },
      { email: 'new9@example.org', role: 'analyst', password: 'p'.repeat(300) },
      { email: 'new10@example.org', role: 'analyst', name: 'x'.repeat(60000) },
      { email: 'new11@example.org', role: 'analyst', is_admin: true },
      { email: ['new12@example.org'], role: 'analyst' },
    ]],
    ['POST', '/api/v1/workspaces/1/tokens', auth, [
      { name: 'x', role: 'god' }, { name: 'x' }, { role: 'analyst' }, { name: 'x', role: 'analyst', expires_in_days: -1 },
      { name: 'x', role: 'analyst', expires_in_days: 1e20 }, { name: 'x', role: 'analyst', expires_in_days: 1.5 },
      { name: 'x', role: 'analyst', expires_in_days: '10' }, { name: 'x', role: 'analyst', expires_in_days: true },
      { name: 'x'.repeat(60000), role: 'analyst' }, { name: 'x', role: 'analyst', workspace_id: 2 },
      { name: 'x', role: 'analyst', secret: 'kanal_mine' },
    ]],
    ['PATCH', `/api/v1/workspaces/1/members/${sokolId}`, auth, [
      { role: 'admin' }, { role: '' }, {}, { role: ['owner'] }, { role: 'owner', extra: 1 }, { role: 'owner', user_id: eliraId },
    ]],
    ['PATCH', `/api/v1/workspaces/1/members/${eliraId}`, auth, [{ role: 'analyst' }]],
    ['POST', '/api/v1/auth/login', {}, [
      { email: 'x', password: 5 }, { email: ['a'], password: 'x' }, { email: 'a\u0000@b', password: 'x-123456' },
      { email: 'nobody@example.org', password: 'x'.repeat(70000) }, { email: 'nobody@example.org', password: 'x'.repeat(1000) },
      { email: 'x'.repeat(1000) + '@example.org', password: 'x-123456' }, { email: "' OR 1=1 --", password: "' OR 1=1 --" },
    ]],
  ];
  for (const [m, p, h, bodies] of specific) {
    for (const b of bodies) add(`${m} ${p} ${j(b).slice(0, 60)}`, m, p, { ...h, 'content-type': 'application/json' }, j(b));
  }
  // Paths: traversal, NULs, odd ids, long URLs.
  const paths = [
    '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%2E%2E/%2E%2E/etc/passwd', '/vendor/../../../../etc/passwd',
    '/vendor/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/vendor/..%2f..%2f..%2fetc%2fpasswd', '/vendor/%2e%2e%2f%2e%2e%2fetc/passwd',
    '/..%5c..%5cetc%5cpasswd', '/vendor/..\\..\\..\\etc\\passwd', '//etc/passwd', '/vendor//etc/passwd', '/%00',
    '/index.html%00', '/vendor/htm-preact.js%00.html', '/vendor/%00/../../etc/passwd', '/.git/config', '/.env',
    '/vendor/../../kanal.db', '/../../../../../../proc/self/environ', '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
    '/api/v1/../../etc/passwd', '/api/v1/workspaces/1/../2/members', '/api/v1/workspaces/1/%2e%2e/2/members',
    '/api/v1/workspaces/-1', '/api/v1/workspaces/0', '/api/v1/workspaces/99999999999999999999999', '/api/v1/workspaces/1e3',
    '/api/v1/workspaces/0x1', '/api/v1/workspaces/1.0', '/api/v1/workspaces/%20', '/api/v1/workspaces/1%00',
    '/api/v1/workspaces/1;drop', '/api/v1/workspaces/1%00/members', '/healthz%00xyz', "/api/v1/workspaces/1'--", '/api/v1/workspaces/abc/members', '/api/v1/workspaces//members',
    '/api/v1/workspaces/2/members', '/api/v1/workspaces/1/audit?limit=-1', '/api/v1/workspaces/1/audit?limit=99999999999999999999',
    '/api/v1/workspaces/1/audit?before=abc', '/api/v1/workspaces/1/audit?limit=0', '/api/v1/workspaces/1/audit?limit=201',
    '/api/v1/workspaces/1/audit?limit=%00', '/api/v1/nope?%zz', '/api/v1/' + 'a'.repeat(8000), '/' + 'a/'.repeat(3000),
    '/api/v1/workspaces/' + '9'.repeat(5000), '/api/v1/workspaces/1/tokens/-1', '/api/v1/workspaces/1/tokens/abc',
  ];
  // The UI answers extension-less paths outside /api with index.html (routes
  // in the browser): that answer is accepted there, as long as it is exactly
  // index.html (static.c; docs/api.md is silent).
  for (const p of paths) add(`GET ${p.slice(0, 60)}`, 'GET', p, auth).spaOk = !p.startsWith('/api/');
  for (const p of ['/api/v1/workspaces/1/members/-5', '/api/v1/workspaces/1/members/0', '/api/v1/workspaces/1/members/18446744073709551617', '/api/v1/workspaces/1/tokens/99999999999999999999']) {
    add(`DELETE ${p}`, 'DELETE', p, auth);
  }
  // Odd methods.
  for (const [m, p] of [['TRACE', '/'], ['TRACK', '/'], ['PROPFIND', '/api/v1/me'], ['FOO', '/api/v1/me'], ['get', '/healthz'],
    ['DELETE', '/healthz'], ['POST', '/metrics'], ['PUT', '/'], ['DELETE', '/vendor/htm-preact.js'], ['PATCH', '/api/v1/openapi.json'],
    ['PURGE', '/api/v1/workspaces/1'], ['SEARCH', '/api/v1/workspaces/1/members']]) {
    add(`${m} ${p}`, m, p, auth);
  }
  // Credentials and headers the app parses.
  const hdrs = [
    { cookie: 'kanal_session=' }, { cookie: 'kanal_session=' + 'A'.repeat(4000) }, { cookie: 'kanal_session=%00%01' },
    { cookie: 'a=b; kanal_session=x; kanal_session=y' }, { authorization: 'Bearer ' }, { authorization: 'Bearer ' + 'x'.repeat(4000) },
    { authorization: 'Bearer kanal_' }, { authorization: 'bearer' }, { authorization: 'Bearer kanal_x kanal_y' },
  ];
  for (const h of hdrs) add(`GET /api/v1/workspaces/1 ${JSON.stringify(h).slice(0, 50)}`, 'GET', '/api/v1/workspaces/1', h);
  // Framing the HTTP library judges (the app may not see these: no `code` required).
  add('Content-Length -1', 'POST', '/api/v1/auth/login', { 'content-type': 'application/json', 'content-length': '-1' }, '{}', true);
  add('Content-Length abc', 'POST', '/api/v1/auth/login', { 'content-type': 'application/json', 'content-length': 'abc' }, '{}', true);
  add('bad chunk size', 'POST', '/api/v1/auth/login', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, 'zz\r\n{}\r\n0\r\n\r\n', true);
  add('no Host', 'GET', '/healthz', { host: null }, undefined, true);
  add('huge header', 'GET', '/healthz', { 'x-big': 'y'.repeat(100000) }, undefined, true);
  add('very long URL', 'GET', '/api/v1/' + 'a'.repeat(100000), {}, undefined, true);
  items.push({ name: 'asterisk target', req: Buffer.from('GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), mhd: true });
  items.push({ name: 'CONNECT', req: Buffer.from('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\nConnection: close\r\n\r\n'), mhd: true });
  items.push({ name: 'NUL in request line', req: Buffer.from('GET /heal\0thz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), mhd: true });
  items.push({ name: 'bare LF', req: Buffer.from('GET /api/v1/nope HTTP/1.1\nHost: x\nConnection: close\n\n'), mhd: true });
  return items;
}

test('hostile corpus: every answer 4xx with a code, 0 5xx, server alive, data unchanged', async (t) => {
  const snap = async () => ({
    m1: (await tapi(base, tok, 'GET', '/api/v1/workspaces/1/members')).body,
    m2: (await sapi(base, owner, 'GET', '/api/v1/workspaces/2/members')).body,
    ws: (await tapi(base, tok, 'GET', '/api/v1/workspaces/1')).body.workspace,
    tokens: (await tapi(base, tok, 'GET', '/api/v1/workspaces/1/tokens')).body.tokens.map((x) => [x.id, x.name, x.revoked_at]),
    me: (await sapi(base, owner, 'GET', '/api/v1/me')).body.user,
  });
  const before = await snap();
  const indexHtml = (await rawRequest(srv.port, buildRequest('GET', '/'))).text;
  assert.match(indexHtml, /<html/i);
  let spa = 0;
  const items = corpus();
  t.diagnostic(`${items.length} hostile requests`);
  assert.ok(items.length >= 200, `corpus has ${items.length} items`);
  const results = await pool(items, 6, async (it) => ({ it, r: await rawRequest(srv.port, it.req) }));
  const bad = [];
  let n5xx = 0;
  for (const { it, r } of results) {
    if (r.status >= 500) n5xx++;
    if (it.mhd) {
      // Broken framing: a 4xx or a closed connection, never 2xx/5xx.
      if (r.status !== undefined && (r.status < 400 || r.status >= 500)) bad.push(`${it.name}: ${r.status}`);
      continue;
    }
    if (r.status === undefined) { bad.push(`${it.name}: no answer (${r.error})`); continue; }
    if (it.spaOk && r.status === 200 && r.text === indexHtml) { spa++; continue; }
    const problem = /^application\/problem\+json/.test(r.headers['content-type'] || '') && typeof r.json?.code === 'string';
    if (r.status < 400 || r.status >= 500 || !problem) bad.push(`${it.name}: ${r.status} ${r.headers['content-type']} ${r.text.slice(0, 80)}`);
    if (/root:.*:0:0:|\[core\]|SQLite format 3|KANAL_/.test(r.text)) bad.push(`${it.name}: leaked file content`);
  }
  t.diagnostic(`${bad.length} unexpected answers, ${n5xx} 5xx, ${spa} answered with the UI's index.html`);
  assert.equal(n5xx, 0, '5xx answers');
  assert.deepEqual(bad, []);
  const h = await api(base, 'GET', '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.body, { status: 'ok' });
  assert.deepEqual(await snap(), before, 'data unchanged');
});
