// Shared helpers for the API tests (not a test file itself): the role x
// permission matrix mirrored from src/core/perm.c, session and token helpers,
// and a raw HTTP/1.1 client for requests fetch() refuses or normalises
// (dot segments, odd methods, NUL bytes, broken framing).
import net from 'node:net';
import assert from 'node:assert/strict';
import { api, login, kanal } from '../lib/server.mjs';

export const ROLES = [
  'owner', 'strategist', 'content_manager', 'community_manager',
  'analyst', 'campaign_manager', 'creative', 'client_approver',
];

// Mirror of src/core/perm.c. Columns: owner strategist content community
// analyst campaign creative client. Keep in step with perm.c by hand: a test
// in matrix.test.mjs compares it with GET /api/v1/roles as well.
const M = {
  'workspace.read': [1, 1, 1, 1, 1, 1, 1, 1],
  'workspace.admin': [1, 0, 0, 0, 0, 0, 0, 0],
  'channels.manage': [1, 1, 0, 0, 0, 0, 0, 0],
  'strategy.read': [1, 1, 1, 1, 1, 1, 1, 1],
  'strategy.write': [1, 1, 0, 0, 0, 0, 0, 0],
  'posts.draft': [1, 1, 1, 0, 0, 0, 1, 0],
  'posts.schedule': [1, 1, 1, 0, 0, 0, 0, 0],
  'posts.approve': [1, 1, 0, 0, 0, 0, 0, 1],
  'posts.comment': [1, 1, 1, 0, 0, 0, 1, 1],
  'inbox.read': [1, 1, 1, 1, 1, 0, 0, 0],
  'inbox.write': [1, 1, 0, 1, 0, 0, 0, 0],
  'campaigns.read': [1, 1, 0, 0, 1, 1, 0, 1],
  'campaigns.write': [1, 1, 0, 0, 0, 1, 0, 0],
  'analytics.read': [1, 1, 1, 1, 1, 1, 0, 1],
  'reports.write': [1, 1, 0, 0, 1, 0, 0, 0],
  'audit.read': [1, 0, 0, 0, 0, 0, 0, 0],
};
export const WS_PERMISSIONS = Object.keys(M);
export const NON_WS_PERMISSIONS = ['public', 'auth', 'session'];

// 1 when role holds workspace permission perm (perm_allows()).
export function allows(role, perm) {
  const row = M[perm];
  const i = ROLES.indexOf(role);
  if (!row || i < 0) return false;
  return row[i] === 1;
}

export function permsOf(role) {
  return WS_PERMISSIONS.filter((p) => allows(role, p));
}

export const DEMO = {
  owner: 'elira@studiodrita.al',
  strategist: 'arben@studiodrita.al',
  content_manager: 'mira@studiodrita.al',
  community_manager: 'dritan@studiodrita.al',
  analyst: 'sokol@studiodrita.al',
  campaign_manager: 'besa@studiodrita.al',
  creative: 'luan@studiodrita.al',
  client_approver: 'ana@gurikuq.al',
};

// A request with a cookie session, with the CSRF header and Origin that
// state-changing requests need.
export function sapi(base, sess, method, path, body, extra = {}) {
  return api(base, method, path, { body, cookie: sess.cookie, csrf: sess.csrf, origin: base, ...extra });
}

export function tapi(base, token, method, path, body, extra = {}) {
  return api(base, method, path, { body, token, ...extra });
}

export { api, login, kanal };

// The cookie pair ("name=value") from a response's Set-Cookie, or null.
export function cookieOf(res) {
  const all = typeof res.headers.getSetCookie === 'function'
    ? res.headers.getSetCookie() : [res.headers.get('set-cookie') || ''];
  for (const c of all) {
    const pair = c.split(';')[0].trim();
    if (/^(__Host-)?kanal_session=./.test(pair)) return pair;
  }
  return null;
}

// Problem+json check: status, code, and optionally the field path.
export function assertProblem(res, status, code, field, msg = '') {
  const where = `${msg} -> ${res.status} ${typeof res.body === 'string' ? res.body.slice(0, 300) : JSON.stringify(res.body)}`;
  assert.equal(res.status, status, `status ${where}`);
  assert.match(res.headers.get('content-type') || '', /^application\/problem\+json/, `content-type ${where}`);
  assert.equal(typeof res.body, 'object', `body ${where}`);
  assert.equal(res.body.code, code, `code ${where}`);
  assert.equal(res.body.status, status, `body.status ${where}`);
  if (field !== undefined) assert.equal(res.body.field, field, `field ${where}`);
}

// Find a workspace member by email (owner or any member can list).
export async function memberByEmail(base, auth, ws, email) {
  const r = auth.token
    ? await tapi(base, auth.token, 'GET', `/api/v1/workspaces/${ws}/members`)
    : await sapi(base, auth, 'GET', `/api/v1/workspaces/${ws}/members`);
  assert.equal(r.status, 200, `members list: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.members.find((m) => m.email === email) || null;
}

// Create a bearer token over the API as the session sess. Returns the secret.
export async function makeToken(base, sess, ws, role, name) {
  const r = await sapi(base, sess, 'POST', `/api/v1/workspaces/${ws}/tokens`, { name, role });
  assert.equal(r.status, 201, `token create ${role}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.match(r.body.secret, /^kanal_/);
  return { secret: r.body.secret, token: r.body.token };
}

// Create a token with the CLI; the secret is the last stdout line.
export function cliToken(db, ws, role, name) {
  const out = kanal(db, ['token', 'create', String(ws), '--role', role, '--name', name]).trim().split('\n');
  const secret = out[out.length - 1].trim();
  assert.match(secret, /^kanal_/, `token create output: ${out.join('\n')}`);
  return secret;
}

// ---------------------------------------------------------------- raw HTTP

// Send bytes (a string or Buffer, a full request) to host:port and parse the
// answer. Resolves { status, headers (lower-case keys), body (Buffer), text,
// json } or { error } when the connection broke before any answer.
export function rawRequest(port, bytes, { timeout = 10000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const chunks = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(parseResponse(Buffer.concat(chunks)));
    };
    const timer = setTimeout(finish, timeout);
    sock.on('data', (d) => {
      chunks.push(d);
      const p = parseResponse(Buffer.concat(chunks));
      if (p.complete) finish();
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', () => { /* EPIPE / ECONNRESET after an early answer: keep what arrived */ });
    sock.write(bytes, () => {});
  });
}

function parseResponse(buf) {
  const sep = buf.indexOf('\r\n\r\n');
  if (sep < 0) return { error: buf.length ? 'incomplete head' : 'no answer', complete: false, raw: buf.toString('latin1') };
  const head = buf.subarray(0, sep).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
  if (!m) return { error: 'bad status line: ' + head[0], complete: false };
  // Skip interim answers (100 Continue).
  if (m[1][0] === '1') return parseResponse(buf.subarray(sep + 4));
  const headers = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      headers[k] = headers[k] ? headers[k] + ', ' + v : v;
    }
  }
  const status = Number(m[1]);
  let rest = buf.subarray(sep + 4);
  let body = rest;
  let complete = false;
  if (status === 304 || status === 204 || (status >= 100 && status < 200)) {
    body = Buffer.alloc(0); complete = true;
  } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    let off = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', off);
      if (eol < 0) break;
      const size = parseInt(rest.subarray(off, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) { complete = true; break; }
      if (rest.length < eol + 2 + size + 2) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      off = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    body = rest.subarray(0, n);
    complete = rest.length >= n;
  }
  const text = body.toString('utf8');
  let json;
  if (/json/.test(headers['content-type'] || '')) { try { json = JSON.parse(text); } catch { /* not JSON */ } }
  return { status, headers, body, text, json, complete };
}

// Build a request: method, target, headers object, body (string/Buffer).
export function buildRequest(method, target, headers = {}, body) {
  const h = { host: '127.0.0.1', connection: 'close', ...headers };
  const b = body === undefined ? null : Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (b && h['content-length'] === undefined && h['transfer-encoding'] === undefined) h['content-length'] = String(b.length);
  let s = `${method} ${target} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(h)) if (v !== null) s += `${k}: ${v}\r\n`;
  s += '\r\n';
  return b ? Buffer.concat([Buffer.from(s, 'latin1'), b]) : Buffer.from(s, 'latin1');
}

// Run async fn over items with at most n in flight; results in order.
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
