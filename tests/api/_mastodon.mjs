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
//
// Media as Mastodon takes them: `POST /api/v2/media` multipart/form-data
// with `file` (a type the instance lists, whose bytes are that type, within
// image_size_limit) and an optional `description` (at most 1500
// characters); 200 with the url when processed, or 202 with url null while
// processing, after which `GET /api/v1/media/:id` answers 206 until it is
// ready and then 200. Media belong to the token that uploaded them (another
// token gets 404). A status takes `media_ids` (at most
// max_media_attachments, each the caller's, processed and not yet attached)
// and may then have no text. `GET /api/v2/instance` answers the
// configuration (`configure({...})` changes max_characters and the rest);
// the status length check uses that max_characters. `mediaBehave(fn)`
// where fn(media, n) returns { processing: k, status, body } sets what the
// next uploads get.
//
// `oauth` (see _mastodon_oauth.mjs) is an optional handler for the
// instance's app registration and OAuth endpoints: given (req, res, d) it
// answers and returns true, or returns false to leave the request to the
// API above; tokens it issues join `extraTokens`.
import http from 'node:http';

const URL_CHARS = 23;
const MAX_DESCRIPTION = 1500;
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

// The parts of a multipart/form-data body: [{ name, filename, type, data }],
// or null when it is not well formed.
export function parseMultipart(buf, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType || '');
  if (!m) return null;
  const delim = Buffer.from(`--${m[1] || m[2]}`);
  const parts = [];
  let at = buf.indexOf(delim);
  if (at !== 0) return null;
  for (;;) {
    at += delim.length;
    if (buf.slice(at, at + 2).toString() === '--') return parts;
    if (buf.slice(at, at + 2).toString() !== '\r\n') return null;
    at += 2;
    const headEnd = buf.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return null;
    const head = buf.slice(at, headEnd).toString('utf8');
    const next = buf.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) return null;
    const cd = /content-disposition:\s*form-data;\s*name="([^"]*)"(?:;\s*filename="([^"]*)")?/i.exec(head);
    if (!cd) return null;
    const ct = /content-type:\s*([^\r\n]+)/i.exec(head);
    parts.push({ name: cd[1], filename: cd[2], type: ct ? ct[1].trim() : null, data: buf.slice(headEnd + 4, next) });
    at = next + 2;
  }
}

const MAGIC = {
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.slice(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/gif': (b) => b.slice(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (b) => b.slice(0, 4).toString('latin1') === 'RIFF' && b.slice(8, 12).toString('latin1') === 'WEBP',
};

export async function startMastodon(token, { extraTokens = [], oauth = null } = {}) {
  const requests = []; // every request: { method, path, headers, body, at, status }
  const statuses = []; // created statuses
  const media = []; // uploaded media: { id, owner, type, mime, size, description, processing, url, status_id }
  const conf = {
    max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23,
    image_size_limit: 16777216, supported_mime_types: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4'],
  };
  let mediaBehaviour = () => null;
  let nextMedia = 109000000000000000n;
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
      const bytes = Buffer.concat(chunks);
      const raw = bytes.toString('utf8');
      const d = { method: req.method, path: req.url, headers: req.headers, raw, at: Date.now() };
      requests.push(d);
      if (oauth && oauth(req, res, d)) return;
      if (req.method === 'GET' && req.url === '/api/v2/instance') {
        // public, as on a real instance
        return send(res, d, 200, {
          domain: '127.0.0.1', title: 'kanal test instance', version: '4.3.0',
          configuration: {
            urls: { streaming: null },
            accounts: { max_featured_tags: 10, max_pinned_statuses: 5 },
            statuses: {
              max_characters: conf.max_characters, max_media_attachments: conf.max_media_attachments,
              characters_reserved_per_url: conf.characters_reserved_per_url,
            },
            media_attachments: {
              supported_mime_types: conf.supported_mime_types, image_size_limit: conf.image_size_limit,
              image_matrix_limit: 33177600, video_size_limit: 103809024, video_frame_rate_limit: 120, video_matrix_limit: 8294400,
            },
            polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 },
            translation: { enabled: false },
          },
        });
      }
      const auth = String(req.headers.authorization || '');
      const caller = [token, ...extraTokens].find((x) => auth === `Bearer ${x}`);
      if (!caller) return error(res, d, 401, 'The access token is invalid');
      d.caller = caller;
      const mediaJson = (x) => ({
        id: x.id, type: 'image', url: x.url, preview_url: x.url, remote_url: null, description: x.description,
        blurhash: null, meta: {},
      });
      if (req.url === '/api/v2/media') {
        if (req.method !== 'POST') return error(res, d, 405, 'Method not allowed');
        const ct = String(req.headers['content-type'] || '');
        if (!ct.startsWith('multipart/form-data')) return error(res, d, 422, 'Validation failed: File can\'t be blank');
        const parts = parseMultipart(bytes, ct);
        if (!parts) return error(res, d, 400, 'kanal test server: malformed multipart body');
        for (const p of parts) {
          if (!['file', 'description', 'focus', 'thumbnail'].includes(p.name)) return error(res, d, 422, `kanal test server: unknown parameter ${p.name}`);
        }
        if (new Set(parts.map((p) => p.name)).size !== parts.length) return error(res, d, 400, 'kanal test server: a field given twice');
        const file = parts.find((p) => p.name === 'file');
        if (!file || file.filename == null || !file.data.length) return error(res, d, 422, "Validation failed: File can't be blank");
        const desc = parts.find((p) => p.name === 'description');
        const description = desc ? desc.data.toString('utf8') : null;
        d.upload = { filename: file.filename, type: file.type, size: file.data.length, description };
        if (!conf.supported_mime_types.includes(file.type)) return error(res, d, 422, 'Validation failed: File content type is invalid');
        if (!MAGIC[file.type] || !MAGIC[file.type](file.data)) return error(res, d, 422, 'Validation failed: File has contents that are not what they are reported to be');
        if (file.data.length > conf.image_size_limit) return error(res, d, 422, 'Validation failed: File file size must be less than 16 MB');
        if (description != null && [...description].length > MAX_DESCRIPTION) {
          return error(res, d, 422, `Validation failed: Description is too long (maximum is ${MAX_DESCRIPTION} characters)`);
        }
        const n = requests.filter((x) => x.path === '/api/v2/media' && x.upload).length;
        const b = mediaBehaviour(d.upload, n) || {};
        if (b.status) return send(res, d, b.status, b.body ?? { error: 'error' });
        nextMedia += 1n;
        const x = {
          id: String(nextMedia), owner: caller, mime: file.type, size: file.data.length, description,
          processing: b.processing || 0, url: null, status_id: null,
        };
        if (!x.processing) x.url = `${base}/system/media_attachments/${x.id}.${file.type.split('/')[1]}`;
        media.push(x);
        return send(res, d, x.processing ? 202 : 200, mediaJson(x));
      }
      const mm = req.url.match(/^\/api\/v1\/media\/(\d+)$/);
      if (mm && req.method === 'GET') {
        const x = media.find((y) => y.id === mm[1] && y.owner === caller);
        if (!x) return error(res, d, 404, 'Record not found');
        if (x.processing > 0) {
          x.processing -= 1;
          if (x.processing === 0) x.url = `${base}/system/media_attachments/${x.id}.${x.mime.split('/')[1]}`;
          return send(res, d, 206, { ...mediaJson(x), url: null });
        }
        return send(res, d, 200, mediaJson(x));
      }
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
      const ids = body.media_ids ?? [];
      if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) return error(res, d, 422, 'kanal test server: media_ids must be a list of id strings');
      if (ids.length > conf.max_media_attachments) return error(res, d, 422, `Validation failed: Media attachments cannot be more than ${conf.max_media_attachments}`);
      const attach = [];
      for (const id of ids) {
        const x = media.find((y) => y.id === id && y.owner === d.caller && y.status_id === null);
        if (!x) return error(res, d, 422, 'Validation failed: Media attachments are invalid');
        if (!x.url) return error(res, d, 422, 'Cannot attach files that have not finished processing. Try again in a moment!');
        attach.push(x);
      }
      if (typeof body.status !== 'string' || (body.status.trim() === '' && !attach.length)) return error(res, d, 422, "Validation failed: Text can't be blank");
      const spoiler = body.spoiler_text ?? '';
      if (typeof spoiler !== 'string') return error(res, d, 422, 'Validation failed: Spoiler text is invalid');
      const len = mastodonLength(body.status, spoiler);
      d.length = len;
      if (len > conf.max_characters) return error(res, d, 422, `Validation failed: Text character limit of ${conf.max_characters} exceeded`);
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
        account: { id: '1', username: 'kanal', acct: 'kanal' }, media_attachments: attach.map(mediaJson), mentions: [], tags: [],
      };
      for (const x of attach) x.status_id = id;
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
    media,
    behave: (fn) => { behaviour = fn; },
    mediaBehave: (fn) => { mediaBehaviour = fn; },
    configure: (c) => Object.assign(conf, c),
    uploads: () => requests.filter((x) => x.path === '/api/v2/media' && x.method === 'POST'),
    posts: () => requests.filter((x) => x.path === '/api/v1/statuses' && x.method === 'POST'),
    stop: () => new Promise((r) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      server.close(() => r());
    }),
  };
}
