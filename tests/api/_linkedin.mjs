// A strict local LinkedIn REST API for the publishing tests (not a test
// file itself): node http on a random loopback port, one member whose
// access token is given. It checks each request the way the versioned API
// does — method and path, `Authorization: Bearer`, `LinkedIn-Version: YYYYMM`
// (426 when missing or not a served version), `X-Restli-Protocol-Version:
// 2.0.0`, `X-RestLi-Method: FINDER` on finders, JSON content type, the Posts
// body's fields (an unknown one, or a missing required one, is a 422), the
// author and comment actor being the token's member (403 otherwise),
// commentary ≤ 3,000 characters in "little text" (an unescaped reserved
// character cuts the post there, as LinkedIn silently does), image URNs
// registered by initializeUpload for that member and uploaded before the
// post, comments on posts that exist. Answers use the documented shapes: 201
// with the URN in x-restli-id, {value: {uploadUrl, image}}, {elements,
// paging}, errors {status, serviceErrorCode, code, message}.
// `behave(fn)` where fn(d, n) returns { status, body, headers, hang,
// hangAfterCreate } sets what the next POST /rest/posts or comment gets.
import http from 'node:http';

const MAX_CHARS = 3000;
const RESERVED = '\\|{}@[]()<>#*_~';
const POST_KEYS = new Set(['author', 'commentary', 'visibility', 'distribution', 'content', 'lifecycleState',
  'isReshareDisabledByAuthor', 'contentLandingPage', 'contentCallToActionLabel', 'reshareContext', 'container', 'adContext']);

// What LinkedIn keeps of a commentary: everything up to the first reserved
// character that is not backslash-escaped.
export function littleText(s) {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length && RESERVED.includes(s[i + 1])) { i++; continue; }
    if (RESERVED.includes(s[i])) return s.slice(0, i);
  }
  return s;
}
// The text a reader sees: escapes removed.
export const unescape = (s) => s.replace(/\\([\\|{}@[\]()<>#*_~])/g, '$1');

export async function startLinkedIn(token, { member = 'Xk3_9aQ-dt', version = '202510' } = {}) {
  const me = `urn:li:person:${member}`;
  const requests = [];
  const posts = []; // { id, author, commentary (as kept), sent, createdAt, content, comments: [] }
  const images = new Map(); // urn -> { owner, status, bytes }
  const hanging = new Set();
  let behaviour = () => null;
  let nextShare = 7300000000000000000n;
  let nextImage = 1;
  let nextComment = 7310000000000000000n;
  let base;

  const send = (res, d, status, body, headers = {}) => {
    d.status = status;
    res.writeHead(status, { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(body !== undefined ? JSON.stringify(body) : undefined);
  };
  const error = (res, d, status, code, message, headers) =>
    send(res, d, status, { status, serviceErrorCode: status === 401 ? 65600 : 100, code, message }, headers);
  const json = (d, res) => {
    if (!String(d.headers['content-type'] || '').startsWith('application/json')) {
      error(res, d, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
      return null;
    }
    try {
      const b = JSON.parse(d.raw.toString('utf8'));
      if (!b || typeof b !== 'object' || Array.isArray(b)) throw new Error();
      d.body = b;
      return b;
    } catch {
      error(res, d, 400, 'ILLEGAL_ARGUMENT', 'Unable to parse the JSON body');
      return null;
    }
  };
  const hook = (res, d, kind) => {
    const n = requests.filter((x) => x.endpoint === kind).length;
    const b = behaviour(d, n) || {};
    if (b.hang) { d.status = 'hung'; hanging.add(res); return null; }
    if (b.status) { send(res, d, b.status, b.body ?? { status: b.status, message: 'error' }, b.headers); return null; }
    return b;
  };

  const createPost = (res, d) => {
    const body = json(d, res);
    if (!body) return;
    for (const k of Object.keys(body)) if (!POST_KEYS.has(k)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', `/${k} :: unrecognized field found but not allowed`);
    for (const k of ['author', 'visibility', 'distribution', 'lifecycleState']) if (body[k] === undefined) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', `/${k} :: field is required but not found and has no default value`);
    if (body.author !== me) return error(res, d, 403, 'ACCESS_DENIED', `Not enough permissions to post as ${String(body.author).slice(0, 60)}`);
    if (!['PUBLIC', 'CONNECTIONS', 'LOGGED_IN', 'CONTAINER'].includes(body.visibility)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/visibility :: invalid enum value');
    const dist = body.distribution;
    if (!dist || typeof dist !== 'object' || !['MAIN_FEED', 'NONE'].includes(dist.feedDistribution)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/distribution/feedDistribution :: field is required');
    for (const k of Object.keys(dist)) if (!['feedDistribution', 'targetEntities', 'thirdPartyDistributionChannels'].includes(k)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', `/distribution/${k} :: unrecognized field`);
    if (!['PUBLISHED', 'DRAFT'].includes(body.lifecycleState)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/lifecycleState :: invalid enum value');
    if (body.commentary !== undefined && typeof body.commentary !== 'string') return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/commentary :: not a string');
    const sent = body.commentary ?? '';
    if ([...sent].length > MAX_CHARS) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', `/commentary :: length ${[...sent].length} exceeds ${MAX_CHARS}`);
    const c = body.content;
    let content = null;
    if (c !== undefined) {
      const keys = Object.keys(c || {});
      if (keys.length !== 1 || !['media', 'multiImage', 'article'].includes(keys[0])) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/content :: must hold exactly one of media, multiImage, article');
      const list = keys[0] === 'media' ? [c.media] : keys[0] === 'multiImage' ? c.multiImage?.images : null;
      if (keys[0] === 'multiImage' && (!Array.isArray(list) || list.length < 2 || list.length > 20)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/content/multiImage/images :: 2 to 20 images');
      for (const img of list || []) {
        for (const k of Object.keys(img || {})) if (!['id', 'altText', 'title'].includes(k)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', `/content :: unrecognized field ${k}`);
        const known = images.get(img?.id);
        if (!known || known.owner !== me) return error(res, d, 400, 'ILLEGAL_ARGUMENT', `Image ${String(img?.id).slice(0, 80)} is not found`);
        if (known.status !== 'AVAILABLE') return error(res, d, 400, 'ILLEGAL_ARGUMENT', `Image ${img.id} is still ${known.status}`);
        if (img.altText !== undefined && (typeof img.altText !== 'string' || img.altText.length > 4086)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/content/altText :: too long');
      }
      content = c;
    }
    if (!sent && !content) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/commentary :: a post needs commentary or content');
    const b = hook(res, d, 'posts.create');
    if (!b) return;
    nextShare += 1n;
    const id = `urn:li:share:${nextShare}`;
    const now = Date.now();
    posts.push({ id, author: me, commentary: littleText(sent), sent, createdAt: now, lastModifiedAt: now, content, comments: [] });
    d.created = id;
    if (b.hangAfterCreate) { d.status = 'hung'; hanging.add(res); return; }
    send(res, d, 201, undefined, { 'x-restli-id': id, 'x-linkedin-id': id, ...(b.headers || {}) });
  };

  const comment = (res, d, urn) => {
    const body = json(d, res);
    if (!body) return;
    for (const k of Object.keys(body)) if (!['actor', 'object', 'message', 'parentComment', 'content'].includes(k)) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', `/${k} :: unrecognized field`);
    if (body.actor !== me) return error(res, d, 403, 'ACCESS_DENIED', 'Not enough permissions to comment as this actor');
    if (body.object !== urn) return error(res, d, 400, 'ILLEGAL_ARGUMENT', 'object does not match the path');
    if (typeof body.message?.text !== 'string' || !body.message.text) return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/message/text :: field is required');
    const post = posts.find((p) => p.id === urn);
    if (!post) return error(res, d, 404, 'NOT_FOUND', `${urn} not found`);
    const b = hook(res, d, 'comments.create');
    if (!b) return;
    nextComment += 1n;
    const c = { actor: me, object: urn, message: { text: littleText(body.message.text) }, sent: body.message.text,
      $URN: `urn:li:comment:(${urn},${nextComment})`, id: String(nextComment), created: { actor: me, time: Date.now() } };
    post.comments.push(c);
    if (b.hangAfterCreate) { d.status = 'hung'; hanging.add(res); return; }
    const { sent, ...shown } = c;
    send(res, d, 201, shown, { 'x-restli-id': c.$URN });
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url, 'http://l');
      const d = { method: req.method, path: url.pathname, url: req.url, headers: req.headers, raw, at: Date.now() };
      requests.push(d);
      if (String(req.headers.authorization || '') !== `Bearer ${token}`) return error(res, d, 401, 'INVALID_ACCESS_TOKEN', 'Invalid access token');
      const p = url.pathname;
      if (p === '/v2/userinfo' && req.method === 'GET') {
        d.endpoint = 'userinfo';
        return send(res, d, 200, { sub: member, name: 'Elira Hoxha', given_name: 'Elira', family_name: 'Hoxha', locale: { country: 'AL', language: 'sq' }, email_verified: true });
      }
      let m = /^\/dms-uploads\/(\d+)$/.exec(p);
      if (m && req.method === 'PUT') {
        d.endpoint = 'images.upload';
        const urn = `urn:li:image:C4E10AQ${m[1]}`;
        const img = images.get(urn);
        if (!img || url.searchParams.get('ca') !== 'vector_feedshare') return error(res, d, 400, 'ILLEGAL_ARGUMENT', 'unknown upload');
        if (raw.length === 0) return error(res, d, 400, 'ILLEGAL_ARGUMENT', 'empty upload');
        img.bytes = raw;
        img.status = 'AVAILABLE';
        return send(res, d, 201, undefined);
      }
      if (!p.startsWith('/rest/')) return error(res, d, 404, 'NOT_FOUND', `No route for ${p}`);
      const ver = String(req.headers['linkedin-version'] || '');
      if (!ver) return error(res, d, 426, 'VERSION_MISSING', 'A version must be present. Please specify a version by adding the LinkedIn-Version header.');
      if (!/^\d{6}$/.test(ver) || ver !== version) return error(res, d, 426, 'NONEXISTENT_VERSION', `Requested version ${ver.slice(0, 12)} is not active`);
      if (req.headers['x-restli-protocol-version'] !== '2.0.0') return error(res, d, 400, 'ILLEGAL_ARGUMENT', 'X-Restli-Protocol-Version 2.0.0 is required');
      if (p === '/rest/images' && req.method === 'POST' && url.search === '?action=initializeUpload') {
        d.endpoint = 'images.init';
        const body = json(d, res);
        if (!body) return;
        const owner = body.initializeUploadRequest?.owner;
        if (Object.keys(body).join() !== 'initializeUploadRequest' || typeof owner !== 'string') return error(res, d, 422, 'UNPROCESSABLE_ENTITY', '/initializeUploadRequest/owner :: field is required');
        if (owner !== me) return error(res, d, 403, 'ACCESS_DENIED', 'Not enough permissions to upload for this owner');
        const n = nextImage++;
        const urn = `urn:li:image:C4E10AQ${n}`;
        images.set(urn, { owner, status: 'WAITING_UPLOAD', bytes: null });
        return send(res, d, 200, { value: { uploadUrlExpiresAt: Date.now() + 3600000, uploadUrl: `${base}/dms-uploads/${n}?ca=vector_feedshare`, image: urn } });
      }
      if (p === '/rest/posts' && req.method === 'POST') { d.endpoint = 'posts.create'; return createPost(res, d); }
      if (p === '/rest/posts' && req.method === 'GET') {
        d.endpoint = 'posts.find';
        if (req.headers['x-restli-method'] !== 'FINDER') return error(res, d, 400, 'ILLEGAL_ARGUMENT', 'X-RestLi-Method FINDER is required');
        const q = url.searchParams;
        if (q.get('q') !== 'author') return error(res, d, 400, 'ILLEGAL_ARGUMENT', 'q=author is required');
        for (const k of q.keys()) if (!['q', 'author', 'count', 'start', 'sortBy', 'viewContext'].includes(k)) return error(res, d, 400, 'ILLEGAL_ARGUMENT', `unknown parameter ${k}`);
        if (q.get('author') !== me) return error(res, d, 403, 'ACCESS_DENIED', 'Not enough permissions to read this author');
        const count = q.get('count') ? Number(q.get('count')) : 10;
        if (!Number.isInteger(count) || count < 1 || count > 100) return error(res, d, 400, 'ILLEGAL_ARGUMENT', 'count must be 1 to 100');
        if (q.get('sortBy') && !['LAST_MODIFIED', 'CREATED'].includes(q.get('sortBy'))) return error(res, d, 400, 'ILLEGAL_ARGUMENT', 'invalid sortBy');
        d.query = Object.fromEntries(q);
        const elements = posts.slice().reverse().slice(0, count).map(({ sent, comments, ...e }) => ({
          ...e, visibility: 'PUBLIC', lifecycleState: 'PUBLISHED', publishedAt: e.createdAt,
          distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
        }));
        return send(res, d, 200, { paging: { start: 0, count, links: [] }, elements });
      }
      m = /^\/rest\/socialActions\/([^/]+)\/comments$/.exec(p);
      if (m) {
        const urn = decodeURIComponent(m[1]);
        if (req.method === 'POST') { d.endpoint = 'comments.create'; return comment(res, d, urn); }
        if (req.method === 'GET') {
          d.endpoint = 'comments.list';
          const post = posts.find((x) => x.id === urn);
          if (!post) return error(res, d, 404, 'NOT_FOUND', `${urn} not found`);
          return send(res, d, 200, { paging: { start: 0, count: 10, links: [] }, elements: post.comments.map(({ sent, ...c }) => c) });
        }
      }
      m = /^\/rest\/posts\/([^/]+)$/.exec(p);
      if (m && req.method === 'DELETE') {
        d.endpoint = 'posts.delete';
        const i = posts.findIndex((x) => x.id === decodeURIComponent(m[1]));
        if (i < 0) return error(res, d, 404, 'NOT_FOUND', 'not found');
        posts.splice(i, 1);
        return send(res, d, 204, undefined);
      }
      return error(res, d, 404, 'NOT_FOUND', `No route for ${req.method} ${p}`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    member: me,
    version,
    requests,
    posts,
    images,
    behave: (fn) => { behaviour = fn; },
    creates: () => requests.filter((x) => x.endpoint === 'posts.create'),
    stop: () => new Promise((r) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      server.close(() => r());
    }),
  };
}
