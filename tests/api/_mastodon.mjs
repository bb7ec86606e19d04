// A strict local Mastodon instance for the publishing tests (not a test
// file itself): node http on a random loopback port. It checks each request
// the way the real API does — method and path, `Authorization: Bearer`,
// content type (JSON or form), required fields, the status length as
// Mastodon counts it (StatusLengthValidator: spoiler + text, each URL with a
// scheme counts 23, `@user@domain` counts as `@user`, then grapheme
// clusters), visibility and language values, in_reply_to_id naming a known
// status, and the Idempotency-Key header (required here, stricter than the
// real server, because kanal must always send it). It honours the key: a
// POST with a key it already saw answers the first status, never a second
// one (as Mastodon does for about an hour). Answers use the documented
// shapes: Status, {"error": "..."}, 429 with X-RateLimit-Limit/Remaining/
// Reset (ISO 8601). `behave(fn)` where fn(req, n) returns { status, body,
// headers, hang, hangAfterCreate } sets what the next statuses get.
import http from 'node:http';

const MAX_CHARS = 500;
const URL_CHARS = 23;
const seg = new Intl.Segmenter('en', { granularity: 'grapheme' });

// Mastodon's count: URLs with a scheme weigh 23, a remote mention counts
// its local part only. The URL pattern is an approximation of twitter-text's
// (it stops at whitespace), enough for the texts the tests send.
export function mastodonLength(text, spoiler = '') {
  const t = String(text)
    .replace(/https?:\/\/[^\s]+/g, 'x'.repeat(URL_CHARS))
    .replace(/(^|[^\w])@(\w+)@[\w.-]+\w/g, '$1@$2');
  return [...seg.segment(String(spoiler) + t)].length;
}

export async function startMastodon(token) {
  const requests = []; // every request: { method, path, headers, body, at, status }
  const statuses = []; // created statuses
  const byKey = new Map(); // Idempotency-Key -> status (one valid token, so one account)
  const hanging = new Set();
  let behaviour = () => null;
  let nextId = 110000000000000000n;
  let base;

  const send = (res, d, status, body, headers = {}) => {
    d.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res, d, status, msg, headers) => send(res, d, status, { error: msg }, headers);

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const d = { method: req.method, path: req.url, headers: req.headers, raw, at: Date.now() };
      requests.push(d);
      const auth = String(req.headers.authorization || '');
      if (auth !== `Bearer ${token}`) return error(res, d, 401, 'The access token is invalid');
      if (req.method === 'GET' && req.url === '/api/v1/accounts/verify_credentials') {
        return send(res, d, 200, { id: '1', username: 'kanal', acct: 'kanal', url: `${base}/@kanal` });
      }
      const m = req.url.match(/^\/api\/v1\/statuses\/(\d+)$/);
      if (m && req.method === 'GET') {
        const s = statuses.find((x) => x.id === m[1]);
        return s ? send(res, d, 200, s) : error(res, d, 404, 'Record not found');
      }
      if (req.url !== '/api/v1/statuses') return error(res, d, 404, 'Record not found');
      if (req.method !== 'POST') return error(res, d, 405, 'Method not allowed');
      let body;
      const ct = String(req.headers['content-type'] || '');
      try {
        if (ct.startsWith('application/json')) body = JSON.parse(raw);
        else if (ct.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
        else return error(res, d, 415, 'Unsupported content type');
      } catch {
        return error(res, d, 400, 'Invalid JSON');
      }
      d.body = body;
      const key = String(req.headers['idempotency-key'] || '');
      d.key = key;
      if (!key) return error(res, d, 422, 'kanal test server: Idempotency-Key is required');
      const prev = byKey.get(key);
      if (prev) {
        d.dup = true;
        return send(res, d, 200, prev);
      }
      const n = requests.filter((x) => x.path === '/api/v1/statuses' && !x.dup).length;
      const b = behaviour(d, n) || {};
      if (b.hang) { hanging.add(res); return; }
      if (b.status) return send(res, d, b.status, b.body ?? { error: 'error' }, b.headers);
      // Validation, as Mastodon's PostStatusService and its validators.
      if (typeof body.status !== 'string' || body.status.trim() === '') return error(res, d, 422, "Validation failed: Text can't be blank");
      const spoiler = body.spoiler_text ?? '';
      if (typeof spoiler !== 'string') return error(res, d, 422, 'Validation failed: Spoiler text is invalid');
      const len = mastodonLength(body.status, spoiler);
      d.length = len;
      if (len > MAX_CHARS) return error(res, d, 422, `Validation failed: Text character limit of ${MAX_CHARS} exceeded`);
      const vis = body.visibility ?? 'public';
      if (!['public', 'unlisted', 'private', 'direct'].includes(vis)) return error(res, d, 422, 'Validation failed: Visibility is invalid');
      if (body.language != null && !/^[a-z]{2,3}$/.test(body.language)) return error(res, d, 422, 'Validation failed: Language is invalid');
      let parent = null;
      if (body.in_reply_to_id != null) {
        parent = statuses.find((x) => x.id === String(body.in_reply_to_id));
        if (!parent) return error(res, d, 404, 'Record not found');
      }
      for (const k of Object.keys(body)) {
        if (!['status', 'visibility', 'language', 'in_reply_to_id', 'spoiler_text', 'sensitive', 'media_ids', 'poll', 'scheduled_at'].includes(k)) {
          return error(res, d, 422, `kanal test server: unknown parameter ${k}`);
        }
      }
      nextId += 1n;
      const id = String(nextId);
      const s = {
        id, created_at: new Date().toISOString(), in_reply_to_id: parent ? parent.id : null,
        in_reply_to_account_id: parent ? '1' : null, sensitive: !!body.sensitive, spoiler_text: spoiler,
        visibility: vis, language: body.language ?? null, uri: `${base}/users/kanal/statuses/${id}`,
        url: `${base}/@kanal/${id}`, replies_count: 0, reblogs_count: 0, favourites_count: 0,
        content: `<p>${body.status.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`, text: body.status,
        account: { id: '1', username: 'kanal', acct: 'kanal' }, media_attachments: [], mentions: [], tags: [],
      };
      statuses.push(s);
      byKey.set(key, s);
      if (b.hangAfterCreate) { d.status = 'hung'; hanging.add(res); return; }
      send(res, d, 200, s, {
        'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '299',
        'x-ratelimit-reset': new Date(Date.now() + 300000).toISOString(),
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    requests,
    statuses,
    behave: (fn) => { behaviour = fn; },
    posts: () => requests.filter((x) => x.path === '/api/v1/statuses' && x.method === 'POST'),
    stop: () => new Promise((r) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      server.close(() => r());
    }),
  };
}
