// HTTP surface: health, metrics, request ids, security headers, static files
// and the OpenAPI description (docs/api.md, ../shared/SECURITY.md "Headers").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { api, login, sapi, assertProblem, DEMO } from './_helpers.mjs';

let srv;
let base;

before(async () => {
  srv = await startServer({ demo: true });
  base = srv.url;
});

after(async () => {
  if (srv) await srv.stop();
});

const get = (path, headers) => fetch(base + path, { headers, redirect: 'manual' });

test('/healthz: 200 {"status":"ok"} as JSON', async () => {
  const r = await api(base, 'GET', '/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.deepEqual(r.body, { status: 'ok' });
});

// Sum of every sample of a metric family in Prometheus text.
function metricSum(text, name) {
  let sum = 0;
  let n = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = new RegExp(`^${name}(\\{[^}]*\\})?\\s+([0-9.eE+-]+)`).exec(line);
    if (m) { sum += Number(m[2]); n++; }
  }
  return { sum, n };
}

test('/metrics: Prometheus text with kanal_http_requests_total counters that increase', async () => {
  const r1 = await get('/metrics');
  assert.equal(r1.status, 200);
  assert.match(r1.headers.get('content-type') || '', /^text\/plain; ?version=0\.0\.4/);
  const t1 = await r1.text();
  assert.match(t1, /^# TYPE kanal_http_requests_total counter$/m);
  assert.match(t1, /^# HELP kanal_http_requests_total .+$/m);
  const a = metricSum(t1, 'kanal_http_requests_total');
  assert.ok(a.n >= 1, 'at least one sample');
  // Every sample line is "name{labels} value" with a numeric value.
  for (const line of t1.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[0-9.eE+-]+|[+-]Inf|NaN)( -?\d+)?$/, `sample line: ${line}`);
  }
  for (let i = 0; i < 5; i++) await get('/healthz').then((x) => x.text());
  await get('/api/v1/nope').then((x) => x.text());
  const t2 = await (await get('/metrics')).text();
  const b = metricSum(t2, 'kanal_http_requests_total');
  assert.ok(b.sum >= a.sum + 6, `counter grew by ${b.sum - a.sum}, expected >= 6`);
});

test('every response carries X-Request-Id; problem bodies repeat it', async () => {
  const seen = new Set();
  const owner = await login(base, DEMO.owner);
  const cases = [
    ['GET', '/healthz'], ['GET', '/metrics'], ['GET', '/'], ['GET', '/vendor/htm-preact.js'], ['GET', '/api/v1/openapi.json'],
    ['GET', '/api/v1/nope'], ['GET', '/api/v1/me'], ['DELETE', '/api/v1/me'], ['GET', '/nope.html'],
  ];
  for (const [m, p] of cases) {
    const r = await api(base, m, p);
    const id = r.headers.get('x-request-id');
    assert.ok(id && id.length >= 8, `${m} ${p}: X-Request-Id ${id}`);
    assert.ok(!seen.has(id), `${m} ${p}: request id ${id} repeated`);
    seen.add(id);
    if (r.status >= 400 && typeof r.body === 'object') assert.equal(r.body.request_id, id, `${m} ${p}: request_id in the body`);
  }
  const me = await sapi(base, owner, 'GET', '/api/v1/me');
  assert.ok(me.headers.get('x-request-id'));
  const lo = await api(base, 'POST', '/api/v1/auth/login', { body: { email: 'nobody@example.org', password: 'nope-nope-1' } });
  assert.equal(lo.status, 401);
  assert.equal(lo.body.request_id, lo.headers.get('x-request-id'));
});

function csp(h) {
  const raw = h.get('content-security-policy');
  assert.ok(raw, 'Content-Security-Policy present');
  const d = {};
  for (const part of raw.split(';')) {
    const [k, ...v] = part.trim().split(/\s+/);
    if (k) d[k.toLowerCase()] = v;
  }
  return d;
}

test('security headers on the UI, static files and the API', async () => {
  for (const p of ['/', '/vendor/htm-preact.js', '/healthz', '/api/v1/me', '/api/v1/nope', '/api/v1/openapi.json']) {
    const r = await get(p);
    await r.text();
    const h = r.headers;
    const d = csp(h);
    const script = d['script-src'] || d['default-src'];
    assert.ok(script, `${p}: script-src or default-src`);
    assert.ok(!script.includes("'unsafe-inline'"), `${p}: script-src without 'unsafe-inline': ${script}`);
    assert.ok(!script.includes("'unsafe-eval'"), `${p}: script-src without 'unsafe-eval': ${script}`);
    assert.ok(!script.includes('*'), `${p}: script-src without wildcard`);
    assert.deepEqual(d['frame-ancestors'], ["'none'"], `${p}: frame-ancestors 'none'`);
    assert.equal(h.get('x-content-type-options'), 'nosniff', p);
    assert.match(h.get('referrer-policy') || '', /^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/, `${p}: Referrer-Policy`);
    assert.equal(h.get('server')?.includes('/') ?? false, false, `${p}: no version in Server header`);
  }
});

test('static files: index no-cache; vendor JS with ETag and 304 on If-None-Match', async () => {
  const idx = await get('/');
  assert.equal(idx.status, 200);
  assert.match(idx.headers.get('content-type') || '', /^text\/html/);
  assert.match(idx.headers.get('cache-control') || '', /no-cache/);
  const html = await idx.text();
  assert.match(html, /<html/i);
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>\s*\S/i.test(html), 'no inline script in index.html (CSP)');
  const js = await get('/vendor/htm-preact.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') || '', /^text\/javascript/);
  const etag = js.headers.get('etag');
  assert.match(etag || '', /^(W\/)?"[^"]+"$/, 'ETag is a quoted string');
  const body = await js.text();
  assert.ok(body.length > 1000, 'the library is served');
  const again = await get('/vendor/htm-preact.js');
  await again.text();
  assert.equal(again.headers.get('etag'), etag, 'ETag stable');
  const nm = await get('/vendor/htm-preact.js', { 'if-none-match': etag });
  assert.equal(nm.status, 304);
  assert.equal(await nm.text(), '');
  assert.equal(nm.headers.get('etag'), etag);
  const other = await get('/vendor/htm-preact.js', { 'if-none-match': '"something-else"' });
  assert.equal(other.status, 200);
  await other.text();
  const missing = await api(base, 'GET', '/vendor/nope.js');
  assert.equal(missing.status, 404);
});

test('/api/v1/openapi.json is OpenAPI 3.1; every route in it is routed; others are 404 route.not_found', async () => {
  const r = await api(base, 'GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  const spec = r.body;
  assert.equal(typeof spec.openapi, 'string');
  assert.ok(spec.openapi.startsWith('3.1'), `openapi ${spec.openapi}`);
  assert.equal(typeof spec.info?.title, 'string');
  assert.equal(typeof spec.info?.version, 'string');
  const documented = [
    'POST /api/v1/auth/login', 'POST /api/v1/auth/logout', 'GET /api/v1/me', 'PATCH /api/v1/me', 'PUT /api/v1/me/password',
    'GET /api/v1/roles', 'GET /api/v1/workspaces', 'POST /api/v1/workspaces', 'GET /api/v1/workspaces/{}',
    'PATCH /api/v1/workspaces/{}', 'GET /api/v1/workspaces/{}/members', 'POST /api/v1/workspaces/{}/members',
    'PATCH /api/v1/workspaces/{}/members/{}', 'DELETE /api/v1/workspaces/{}/members/{}', 'GET /api/v1/workspaces/{}/tokens',
    'POST /api/v1/workspaces/{}/tokens', 'DELETE /api/v1/workspaces/{}/tokens/{}', 'GET /api/v1/workspaces/{}/audit',
  ];
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const m of ['get', 'post', 'put', 'patch', 'delete']) if (item[m]) ops.push([m.toUpperCase(), path, item[m]]);
  }
  const have = new Set(ops.map(([m, p]) => `${m} ${p.replace(/\{[^}]*\}/g, '{}')}`));
  const missing = documented.filter((x) => !have.has(x));
  assert.deepEqual(missing, [], 'routes of docs/api.md missing from openapi.json');
  const bad = [];
  for (const [m, p, op] of ops) {
    if (typeof op.operationId !== 'string') bad.push(`${m} ${p}: no operationId`);
    if (!op.responses || Object.keys(op.responses).length === 0) bad.push(`${m} ${p}: no responses`);
    const path = p.replace(/\{ws\}/g, '1').replace(/\{[^}]*\}/g, '1');
    const res = await api(base, m, path, m === 'POST' || m === 'PUT' || m === 'PATCH' ? { body: {} } : {});
    if ((res.status === 404 && res.body?.code === 'route.not_found') || res.status === 405 || res.status >= 500) {
      bad.push(`${m} ${p}: ${res.status} ${res.body?.code}`);
    }
  }
  assert.deepEqual(bad, []);
  assertProblem(await api(base, 'GET', '/api/v1/nope'), 404, 'route.not_found');
  assertProblem(await api(base, 'GET', '/api/v1/workspaces/1/nope'), 404, 'route.not_found');
});

test('HEAD is answered like GET without a body', async () => {
  const r = await fetch(base + '/healthz', { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '');
  assert.ok(r.headers.get('x-request-id'));
});
