// A strict local X API v2 for the publishing tests (not a test file itself):
// node http on a random loopback port, one user whose OAuth 2.0 user token
// is given. It checks each request the way the real API does — method and
// path, `Authorization: Bearer`, content type, the JSON body's known fields
// (an unknown one is a 400 invalid-request problem), the text as X counts it
// (npm twitter-text parseTweet: 280 weighted, URLs 23), duplicate content
// (403), reply parents that exist (403 otherwise), media ids uploaded by this
// token (1 to 4), alt text ≤ 1,000 characters set through /2/media/metadata
// before the post (the post keeps what was set when it was made), image
// bytes that are an image ≤ 5 MB, max_results 5..100 on the timeline. Posts
// come back as X shows them: URLs as t.co links, & < > as HTML entities.
// Answers use the documented shapes ({data}, problems {title, detail, type,
// status}, {errors: [...]}) and x-rate-limit-limit/remaining/reset (epoch s)
// on every answer. `behave(fn)` where fn(d, n) returns { status, body,
// headers, hang, hangAfterCreate } sets what the next POST /2/tweets gets.
//
// `introspect` (optional, async token -> {active}): the tokens of an
// authorization server (oidc-provider in the OAuth tests) are valid here
// while that server's introspection says active, as X accepts the user
// tokens its own authorization server issues; the token given stays valid.
import http from 'node:http';
import twitter from 'twitter-text';

const MAX_IMAGE = 5 * 1000 * 1000;
const MAX_ALT = 1000;
const TWEET_FIELDS = new Set(['attachments', 'author_id', 'conversation_id', 'created_at', 'entities', 'id',
  'in_reply_to_user_id', 'lang', 'public_metrics', 'referenced_tweets', 'text', 'edit_history_tweet_ids']);
const TWEET_KEYS = new Set(['text', 'reply', 'media', 'quote_tweet_id', 'poll', 'reply_settings', 'geo', 'nullcast',
  'for_super_followers_only', 'community_id', 'card_uri', 'direct_message_deep_link', 'edit_options',
  'share_with_followers', 'made_with_ai', 'paid_partnership']);

// X's weighted length (the counter kanal's composer mirrors).
export const xLength = (text) => twitter.parseTweet(String(text)).weightedLength;

// What X shows back: each URL as a t.co link, & < > escaped.
function shown(text) {
  let out = '';
  let at = 0;
  for (const u of twitter.extractUrlsWithIndices(text)) {
    out += text.slice(at, u.indices[0]) + 'https://t.co/' + Buffer.from(u.url).toString('base64url').slice(0, 10);
    at = u.indices[1];
  }
  out += text.slice(at);
  return out.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// A multipart/form-data body: [{ name, filename, type, data }] or null.
function multipart(raw, ct) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/.exec(ct);
  if (!m) return null;
  const sep = Buffer.from('--' + (m[1] || m[2]));
  const parts = [];
  let at = raw.indexOf(sep);
  if (at !== 0) return null;
  for (;;) {
    at += sep.length;
    if (raw.slice(at, at + 2).toString() === '--') return parts;
    if (raw.slice(at, at + 2).toString() !== '\r\n') return null;
    at += 2;
    const end = raw.indexOf('\r\n\r\n', at);
    if (end < 0) return null;
    const head = raw.slice(at, end).toString('utf8');
    const next = raw.indexOf(Buffer.concat([Buffer.from('\r\n'), sep]), end + 4);
    if (next < 0) return null;
    const disp = /content-disposition:\s*form-data;\s*name="([^"]*)"(?:;\s*filename="([^"]*)")?/i.exec(head);
    if (!disp) return null;
    const type = /content-type:\s*([^\r\n]+)/i.exec(head);
    parts.push({ name: disp[1], filename: disp[2], type: type ? type[1].trim() : null, data: raw.slice(end + 4, next) });
    at = next + 2;
  }
}

const imageType = (b) => {
  if (b.length > 8 && b.slice(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length > 6 && /^GIF8[79]a/.test(b.slice(0, 6).toString('latin1'))) return 'image/gif';
  if (b.length > 12 && b.slice(0, 4).toString() === 'RIFF' && b.slice(8, 12).toString() === 'WEBP') return 'image/webp';
  return null;
};

export async function startX(token, { userId = '1849000000000000001', username = 'FurraELagjes', introspect = null } = {}) {
  const requests = []; // every request: { method, path, headers, body, at, status }
  const tweets = []; // created posts, oldest first: { id, text (as sent), shown, created_at, reply_to, media }
  const media = new Map(); // id -> { alt, size, type }
  const hanging = new Set();
  let behaviour = () => null;
  let nextId = 1850000000000000000n;
  let nextMedia = 1860000000000000000n;
  const windowReset = () => String(Math.ceil(Date.now() / 1000) + 900);
  const limits = new Map(); // endpoint -> remaining

  const send = (res, d, status, body, headers = {}) => {
    d.status = status;
    const ep = d.endpoint || 'other';
    const left = Math.max(0, (limits.get(ep) ?? 300) - 1);
    limits.set(ep, left);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-rate-limit-limit': '300', 'x-rate-limit-remaining': String(left), 'x-rate-limit-reset': windowReset(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
  const problem = (res, d, status, title, detail, extra = {}, headers) =>
    send(res, d, status, { title, detail, type: status === 400 ? 'https://api.twitter.com/2/problems/invalid-request' : 'about:blank', status, ...extra }, headers);
  const invalid = (res, d, message, parameters = {}) => send(res, d, 400, {
    errors: [{ parameters, message }], title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.', type: 'https://api.twitter.com/2/problems/invalid-request',
  });
  const json = (d, res) => {
    if (!String(d.headers['content-type'] || '').startsWith('application/json')) {
      problem(res, d, 415, 'Unsupported Media Type', 'Content-Type must be application/json');
      return null;
    }
    try {
      const b = JSON.parse(d.raw.toString('utf8'));
      if (!b || typeof b !== 'object' || Array.isArray(b)) throw new Error('not an object');
      d.body = b;
      return b;
    } catch {
      invalid(res, d, 'Request body is not valid JSON');
      return null;
    }
  };

  const createTweet = (res, d) => {
    const body = json(d, res);
    if (!body) return;
    for (const k of Object.keys(body)) if (!TWEET_KEYS.has(k)) return invalid(res, d, `The field ${k} is not a valid field`, { [k]: [] });
    const ids = body.media?.media_ids;
    if (body.media !== undefined) {
      const keys = Object.keys(body.media || {});
      if (!Array.isArray(ids) || keys.some((k) => !['media_ids', 'tagged_user_ids'].includes(k))) return invalid(res, d, '$.media.media_ids: is missing but it is required');
      if (ids.length < 1 || ids.length > 4) return invalid(res, d, '$.media.media_ids: must have 1 to 4 items');
      for (const id of ids) {
        if (typeof id !== 'string' || !/^\d{1,19}$/.test(id)) return invalid(res, d, `$.media.media_ids: ${JSON.stringify(id)} is not a valid id`);
        if (!media.has(id)) return invalid(res, d, `Your media IDs are invalid.`, { media_ids: [id] });
      }
    }
    const text = body.text;
    if (text !== undefined && typeof text !== 'string') return invalid(res, d, '$.text: is not a string');
    if ((text ?? '') === '' && !ids) return invalid(res, d, 'Post text is empty');
    if (text) {
      const p = twitter.parseTweet(text);
      d.length = p.weightedLength;
      if (!p.valid) return problem(res, d, 400, 'Invalid Request', `Your Post text is too long (${p.weightedLength} > 280).`);
    }
    let parent = null;
    if (body.reply !== undefined) {
      const r = body.reply;
      if (!r || typeof r !== 'object' || typeof r.in_reply_to_tweet_id !== 'string') return invalid(res, d, '$.reply.in_reply_to_tweet_id: is missing but it is required');
      for (const k of Object.keys(r)) if (!['in_reply_to_tweet_id', 'exclude_reply_user_ids', 'auto_populate_reply_metadata'].includes(k)) return invalid(res, d, `The field reply.${k} is not a valid field`);
      parent = tweets.find((t) => t.id === r.in_reply_to_tweet_id);
      if (!parent) return problem(res, d, 403, 'Forbidden', 'You attempted to reply to a Tweet that is deleted or not visible to you.');
    }
    if (text && tweets.some((t) => t.text === text && Date.now() - Date.parse(t.created_at) < 86400000)) {
      return problem(res, d, 403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.');
    }
    const n = requests.filter((x) => x.endpoint === 'tweets.create').length;
    const b = behaviour(d, n) || {};
    if (b.hang) { d.status = 'hung'; hanging.add(res); return; }
    if (b.status) return send(res, d, b.status, b.body ?? { title: 'Error', status: b.status, type: 'about:blank', detail: 'error' }, b.headers);
    nextId += 1n;
    const id = String(nextId);
    const t = {
      id, text: text ?? '', shown: shown(text ?? ''), created_at: new Date().toISOString(),
      reply_to: parent ? parent.id : null, media: (ids || []).map((m) => ({ id: m, alt: media.get(m).alt })),
    };
    tweets.push(t);
    d.created = id;
    if (b.hangAfterCreate) { d.status = 'hung'; hanging.add(res); return; }
    send(res, d, 201, { data: { id, text: t.shown, edit_history_tweet_ids: [id] } }, b.headers);
  };

  const upload = (res, d) => {
    const ct = String(d.headers['content-type'] || '');
    if (!ct.startsWith('multipart/form-data')) return problem(res, d, 415, 'Unsupported Media Type', 'Content-Type must be multipart/form-data');
    const parts = multipart(d.raw, ct);
    if (!parts) return invalid(res, d, 'The multipart body is malformed');
    const f = Object.fromEntries(parts.map((p) => [p.name, p]));
    for (const p of parts) if (!['media', 'media_category', 'media_type', 'additional_owners', 'shared'].includes(p.name)) return invalid(res, d, `The field ${p.name} is not a valid field`);
    if (!f.media) return invalid(res, d, 'media: is missing but it is required');
    const category = f.media_category?.data.toString();
    if (!['tweet_image', 'dm_image', 'subtitles'].includes(category)) return invalid(res, d, 'media_category: must be one of [tweet_image, dm_image, subtitles]');
    const type = imageType(f.media.data);
    if (!type) return invalid(res, d, 'media: the file is not a supported image');
    if (f.media_type && f.media_type.data.toString() !== type) return invalid(res, d, `media_type: ${f.media_type.data.toString()} does not match the file`);
    if (f.media.data.length > MAX_IMAGE) return invalid(res, d, 'media: File size exceeds 5242880 bytes.');
    nextMedia += 1n;
    const id = String(nextMedia);
    media.set(id, { alt: null, size: f.media.data.length, type, bytes: f.media.data });
    d.media = id;
    send(res, d, 200, { data: { id, media_key: `3_${id}`, size: f.media.data.length, expires_after_secs: 86400, image: { image_type: type } } });
  };

  const metadata = (res, d) => {
    const body = json(d, res);
    if (!body) return;
    for (const k of Object.keys(body)) if (!['id', 'metadata'].includes(k)) return invalid(res, d, `The field ${k} is not a valid field`);
    if (typeof body.id !== 'string' || !media.has(body.id)) return invalid(res, d, '$.id: is not a media id of yours', { id: [body.id] });
    const alt = body.metadata?.alt_text?.text;
    if (typeof alt !== 'string' || alt.length === 0) return invalid(res, d, '$.metadata.alt_text.text: is missing but it is required');
    if ([...alt].length > MAX_ALT) return invalid(res, d, '$.metadata.alt_text.text: must be at most 1000 characters');
    media.get(body.id).alt = alt;
    send(res, d, 200, { data: { id: body.id, associated_metadata: { alt_text: { text: alt } } } });
  };

  const timeline = (res, d, url) => {
    const allowed = new Set(['max_results', 'start_time', 'end_time', 'since_id', 'until_id', 'pagination_token', 'exclude', 'tweet.fields', 'expansions', 'media.fields', 'user.fields']);
    for (const k of url.searchParams.keys()) if (!allowed.has(k)) return invalid(res, d, `The query parameter [${k}] is not one of [${[...allowed].join(',')}]`);
    const max = url.searchParams.get('max_results');
    if (max !== null && (!/^\d+$/.test(max) || +max < 5 || +max > 100)) return invalid(res, d, `The \`max_results\` query parameter value [${max}] is not between 5 and 100`);
    const fields = (url.searchParams.get('tweet.fields') || '').split(',').filter(Boolean);
    for (const f of fields) if (!TWEET_FIELDS.has(f)) return invalid(res, d, `The \`tweet.fields\` query parameter value [${f}] is not one of [...]`);
    const since = url.searchParams.get('start_time');
    if (since !== null && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(since)) return invalid(res, d, `Invalid 'start_time':'${since}'`);
    d.query = Object.fromEntries(url.searchParams);
    const list = tweets.filter((t) => !since || Date.parse(t.created_at) >= Date.parse(since)).reverse().slice(0, max ? +max : 10);
    if (!list.length) return send(res, d, 200, { meta: { result_count: 0 } });
    const data = list.map((t) => {
      const o = { id: t.id, text: t.shown, edit_history_tweet_ids: [t.id] };
      if (fields.includes('created_at')) o.created_at = t.created_at;
      if (fields.includes('referenced_tweets') && t.reply_to) o.referenced_tweets = [{ type: 'replied_to', id: t.reply_to }];
      return o;
    });
    send(res, d, 200, { data, meta: { result_count: data.length, newest_id: data[0].id, oldest_id: data.at(-1).id } });
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url, 'http://x');
      const d = { method: req.method, path: url.pathname, url: req.url, headers: req.headers, raw, at: Date.now() };
      requests.push(d);
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization || ''))?.[1];
      if (introspect && bearer && bearer !== token) {
        d.active = (await introspect(bearer).catch(() => ({}))).active === true;
        if (!d.active) return problem(res, d, 401, 'Unauthorized', 'Unauthorized');
      } else if (String(req.headers.authorization || '') !== `Bearer ${token}`) {
        return problem(res, d, 401, 'Unauthorized', 'Unauthorized');
      }
      const p = url.pathname;
      if (p === '/2/users/me' && req.method === 'GET') {
        d.endpoint = 'users.me';
        return send(res, d, 200, { data: { id: userId, name: 'Furra e Lagjes', username } });
      }
      if (p === '/2/tweets' && req.method === 'POST') { d.endpoint = 'tweets.create'; return createTweet(res, d); }
      if (p === '/2/media/upload' && req.method === 'POST') { d.endpoint = 'media.upload'; return upload(res, d); }
      if (p === '/2/media/metadata' && req.method === 'POST') { d.endpoint = 'media.metadata'; return metadata(res, d); }
      let m = /^\/2\/users\/(\d+)\/tweets$/.exec(p);
      if (m && req.method === 'GET') {
        d.endpoint = 'users.tweets';
        if (m[1] !== userId) return problem(res, d, 403, 'Forbidden', 'You are not permitted to read this user');
        return timeline(res, d, url);
      }
      m = /^\/2\/tweets\/(\d+)$/.exec(p);
      if (m && req.method === 'DELETE') {
        d.endpoint = 'tweets.delete';
        const i = tweets.findIndex((t) => t.id === m[1]);
        if (i < 0) return send(res, d, 200, { errors: [{ value: m[1], detail: `Could not find tweet with id: [${m[1]}].`, title: 'Not Found Error', resource_type: 'tweet', parameter: 'id', resource_id: m[1], type: 'https://api.twitter.com/2/problems/resource-not-found' }] });
        tweets.splice(i, 1);
        return send(res, d, 200, { data: { deleted: true } });
      }
      return problem(res, d, 404, 'Not Found', `No route for ${req.method} ${p}`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    userId,
    username,
    requests,
    tweets,
    media,
    behave: (fn) => { behaviour = fn; },
    creates: () => requests.filter((x) => x.endpoint === 'tweets.create'),
    stop: () => new Promise((r) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      server.close(() => r());
    }),
  };
}
