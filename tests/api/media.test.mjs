// The media library over HTTP (issue 3, "Media library"): streamed
// multipart uploads, content addressing and deduplication, types sniffed
// from the bytes, hostile and malformed files, the size cap, authorisation
// before anything is stored, tenant isolation, per-network renditions, and
// media in posts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { readdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { login, sapi, assertProblem, cliToken } from './_helpers.mjs';
import { png, pngDeclaring, gif1x1, mp4, jpegSize } from './_images.mjs';

let srv;
const who = {};
let analystToken;
const W = '/api/v1/workspaces/1';
const W2 = '/api/v1/workspaces/2';

before(async () => {
  srv = await startServer({ demo: true });
  for (const n of ['elira', 'luan', 'sokol', 'mira']) who[n] = await login(srv.url, `${n}@studiodrita.al`);
  analystToken = cliToken(srv.db, 1, 'analyst', 'media-analyst');
});
after(async () => { await srv?.stop(); });

const sha = (b) => createHash('sha256').update(b).digest('hex');
const mediaDir = () => join(srv.dir, 'media');

// Every file under media/ except renditions, relative: the stored blobs and
// any temporary file.
function files(sub = '') {
  const root = join(mediaDir(), sub);
  if (!existsSync(root)) return [];
  const out = [];
  const walk = (d, rel) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { if (name !== 'renditions') walk(p, rel + name + '/'); } else out.push(rel + name);
    }
  };
  walk(root, '');
  return out;
}
const blobs = () => files().filter((f) => !f.startsWith('tmp/'));
const temps = () => files('tmp');

// Upload with a cookie session: fields { file: [bytes, name, type], alt_text, tags }.
async function upload(sess, path, { file, alt_text, tags, extra } = {}) {
  const form = new FormData();
  if (file) form.append('file', new Blob([file[0]], { type: file[2] || 'application/octet-stream' }), file[1] || 'upload.bin');
  if (alt_text !== undefined) form.append('alt_text', alt_text);
  if (tags !== undefined) form.append('tags', tags);
  for (const [k, v] of extra || []) form.append(k, v);
  const res = await fetch(srv.url + path, {
    method: 'POST', body: form,
    headers: { cookie: sess.cookie, 'x-csrf-token': sess.csrf, origin: srv.url },
  });
  const text = await res.text();
  let body = text;
  if ((res.headers.get('content-type') || '').includes('json')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}

async function getBytes(sess, path, headers = {}) {
  const res = await fetch(srv.url + path, { headers: { cookie: sess.cookie, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

// Send a raw HTTP request in pieces, pausing between them so that the server
// sees them as separate reads; resolves with { status, json } (or { error }).
function rawInPieces(pieces, { pause = 3, endEarly = false } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: srv.port });
    const chunks = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const buf = Buffer.concat(chunks);
      const sep = buf.indexOf('\r\n\r\n');
      if (sep < 0) return resolve({ error: 'no answer' });
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, sep).toString('latin1'));
      const body = buf.subarray(sep + 4).toString('utf8');
      let json;
      try { json = JSON.parse(body); } catch { /* not JSON */ }
      resolve({ status: m ? Number(m[1]) : undefined, json, text: body });
    };
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', finish);
    sock.on('error', () => {});
    (async () => {
      for (const p of pieces) {
        if (sock.destroyed) return;
        sock.write(p);
        await new Promise((r) => setTimeout(r, pause));
      }
      if (endEarly) sock.destroy();
    })();
  });
}

function multipartBody(boundary, parts) {
  const out = [];
  for (const p of parts) {
    out.push(Buffer.from(`--${boundary}\r\n${p.headers}\r\n\r\n`, 'latin1'), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

function head(path, headers, length) {
  let h = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${length}\r\n`;
  for (const [k, v] of Object.entries(headers)) h += `${k}: ${v}\r\n`;
  return Buffer.from(h + '\r\n', 'latin1');
}

const picture = png(64, 48, { seed: 1 });
let pictureId;

test('upload a PNG: 201 with its size, format and hash; the bytes come back with the sniffed type', async () => {
  const r = await upload(who.luan, `${W}/media`, { file: [picture, 'sunrise.png', 'image/png'], alt_text: 'Sunrise over the bay', tags: 'summer, sea' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const m = r.body.media;
  assert.equal(r.body.deduplicated, false);
  assert.equal(m.type, 'image');
  assert.equal(m.format, 'png');
  assert.equal(m.mime, 'image/png');
  assert.equal(m.width, 64);
  assert.equal(m.height, 48);
  assert.equal(m.frames, 1);
  assert.equal(m.bytes, picture.length);
  assert.equal(m.sha256, sha(picture));
  assert.equal(m.filename, 'sunrise.png');
  assert.equal(m.alt_text, 'Sunrise over the bay');
  assert.deepEqual(m.tags, ['summer', 'sea']);
  assert.equal(m.usage_count, 0);
  assert.equal(m.created_by, who.luan.user.id);
  pictureId = m.id;
  // Stored once, at its content address beside the database; no temporary file left.
  const s = sha(picture);
  assert.deepEqual(blobs(), [`${s.slice(0, 2)}/${s.slice(2, 4)}/${s}`]);
  assert.deepEqual(temps(), []);
  const f = await getBytes(who.sokol, `${W}/media/${pictureId}/file`);
  assert.equal(f.status, 200);
  assert.ok(f.bytes.equals(picture), 'the same bytes');
  assert.equal(f.headers.get('content-type'), 'image/png');
  assert.equal(f.headers.get('x-content-type-options'), 'nosniff');
  assert.match(f.headers.get('content-disposition'), /^inline; filename="media-\d+\.png"$/);
  assert.equal(f.headers.get('etag'), `"${s}"`);
  const again = await getBytes(who.sokol, `${W}/media/${pictureId}/file`, { 'if-none-match': `"${s}"` });
  assert.equal(again.status, 304);
  const meta = await sapi(srv.url, who.sokol, 'GET', `${W}/media/${pictureId}`);
  assert.equal(meta.status, 200);
  assert.deepEqual(meta.body.media, m);
});

test('the same bytes again: the existing item (deduplicated), stored once; another workspace gets its own row on the same blob', async () => {
  const r = await upload(who.mira, `${W}/media`, { file: [picture, 'copy.png', 'image/png'], alt_text: 'different' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.deduplicated, true);
  assert.equal(r.body.media.id, pictureId);
  assert.equal(r.body.media.alt_text, 'Sunrise over the bay', 'nothing changed');
  const list = await sapi(srv.url, who.mira, 'GET', `${W}/media`);
  assert.equal(list.body.media.filter((x) => x.sha256 === sha(picture)).length, 1);
  const other = await upload(who.elira, `${W2}/media`, { file: [picture, 'bakery.png', 'image/png'] });
  assert.equal(other.status, 201, JSON.stringify(other.body));
  assert.notEqual(other.body.media.id, pictureId);
  assert.equal(blobs().length, 1, 'one blob for both workspaces');
  // Deleting workspace 2's row keeps the blob workspace 1 still holds.
  assert.equal((await sapi(srv.url, who.elira, 'DELETE', `${W2}/media/${other.body.media.id}`)).status, 204);
  assert.equal(blobs().length, 1);
  assert.equal((await getBytes(who.sokol, `${W}/media/${pictureId}/file`)).status, 200);
});

test('the type comes from the bytes: text named .jpg is 415, a JPEG named .png is a JPEG', async () => {
  const txt = await upload(who.luan, `${W}/media`, { file: [Buffer.from('hello, I am a text file\n'.repeat(10)), 'photo.jpg', 'image/jpeg'] });
  assertProblem(txt, 415, 'media.type', 'file');
  const html = await upload(who.luan, `${W}/media`, { file: [Buffer.from('<html><script>alert(1)</script></html>'), 'x.gif', 'image/gif'] });
  assertProblem(html, 415, 'media.type');
  // A JPEG made by the server itself (a rendition), uploaded as .png.
  const jpg = await getBytes(who.luan, `${W}/media/${pictureId}/rendition/instagram`);
  assert.equal(jpg.status, 200);
  const r = await upload(who.luan, `${W}/media`, { file: [jpg.bytes, 'renamed.png', 'image/png'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.media.format, 'jpeg');
  assert.equal(r.body.media.mime, 'image/jpeg');
  const f = await getBytes(who.luan, `${W}/media/${r.body.media.id}/file`);
  assert.equal(f.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(temps(), []);
});

test('hostile files: truncated, empty, a decompression bomb, a polyglot, a bad GIF: 4xx with stable codes, nothing stored', async () => {
  const before = blobs();
  const big = png(300, 200, { seed: 9 });
  assertProblem(await upload(who.luan, `${W}/media`, { file: [big.subarray(0, big.length >> 1), 'cut.png'] }), 400, 'media.invalid', 'file');
  const jpg = (await getBytes(who.luan, `${W}/media/${pictureId}/rendition/bluesky`)).bytes;
  assertProblem(await upload(who.luan, `${W}/media`, { file: [jpg.subarray(0, jpg.length >> 1), 'cut.jpg'] }), 400, 'media.invalid', 'file');
  assertProblem(await upload(who.luan, `${W}/media`, { file: [Buffer.alloc(0), 'empty.png'] }), 400, 'media.empty', 'file');
  assertProblem(await upload(who.luan, `${W}/media`, { file: [pngDeclaring(100000, 100000), 'bomb.png'] }), 400, 'media.dimensions', 'file');
  assertProblem(await upload(who.luan, `${W}/media`, { file: [pngDeclaring(20000, 20000), 'bomb2.png'] }), 400, 'media.dimensions', 'file');
  // A GIF signature followed by a web page: sniffed as GIF; its "screen"
  // ("<htm" read as sizes) is too large, and with a sane screen the decoder
  // refuses the rest.
  const page = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');
  assertProblem(await upload(who.luan, `${W}/media`, { file: [Buffer.concat([Buffer.from('GIF89a'), page]), 'poly.gif'] }), 400, 'media.dimensions', 'file');
  const poly = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0]), page]);
  assertProblem(await upload(who.luan, `${W}/media`, { file: [poly, 'poly.gif'] }), 400, 'media.invalid', 'file');
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assertProblem(await upload(who.luan, `${W}/media`, { file: [sig, 'sig.png'] }), 400, 'media.invalid', 'file');
  assertProblem(await upload(who.luan, `${W}/media`, { file: [Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'eoi.jpg'] }), 400, 'media.invalid', 'file');
  const g = await upload(who.luan, `${W}/media`, { file: [gif1x1(), 'dot.gif'] });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  assert.deepEqual([g.body.media.format, g.body.media.width, g.body.media.height], ['gif', 1, 1]);
  assert.deepEqual(blobs().length, before.length + 1, 'only the sound GIF was stored');
  assert.deepEqual(temps(), []);
  const h = await sapi(srv.url, who.luan, 'GET', '/healthz');
  assert.equal(h.status, 200, 'the server is alive');
});

test('a video: MP4 sniffed from ftyp, size and duration from its boxes; no rendition of a video', async () => {
  const r = await upload(who.luan, `${W}/media`, { file: [mp4(1280, 720, 15000), 'clip.mp4', 'video/mp4'], tags: '["reel"]' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual([r.body.media.type, r.body.media.format, r.body.media.width, r.body.media.height, r.body.media.duration_ms],
    ['video', 'mp4', 1280, 720, 15000]);
  const mov = await upload(who.luan, `${W}/media`, { file: [mp4(640, 480, 2000, 'qt  '), 'clip.mov'] });
  assert.equal(mov.body.media.format, 'mov');
  assert.equal(mov.body.media.mime, 'video/quicktime');
  const cut = mp4(640, 480, 2000);
  assertProblem(await upload(who.luan, `${W}/media`, { file: [cut.subarray(0, cut.length - 10), 'cut.mp4'] }), 400, 'media.invalid');
  assertProblem(await sapi(srv.url, who.luan, 'GET', `${W}/media/${r.body.media.id}/rendition/instagram`), 400, 'media.rendition_type');
  const vids = await sapi(srv.url, who.luan, 'GET', `${W}/media?type=video`);
  assert.deepEqual(vids.body.media.map((x) => x.format), ['mov', 'mp4'], 'newest first');
  const reels = await sapi(srv.url, who.luan, 'GET', `${W}/media?tag=reel`);
  assert.deepEqual(reels.body.media.map((x) => x.id), [r.body.media.id]);
});

test('over the 25 MiB image cap: 413 media.too_large, the partial file removed', async () => {
  const before = blobs();
  const body = Buffer.concat([png(2, 2).subarray(0, 33), Buffer.alloc(25 * 1024 * 1024 + 1024, 7)]);
  const r = await upload(who.luan, `${W}/media`, { file: [body, 'huge.png'] });
  assertProblem(r, 413, 'media.too_large', 'file');
  assert.deepEqual(temps(), [], 'no partial file');
  assert.deepEqual(blobs(), before);
  // A Content-Length beyond every cap is refused from the headers alone.
  const early = await rawInPieces([head(`${W}/media`, { authorization: `Bearer ${cliToken(srv.db, 1, 'owner', 'media-big')}`, 'content-type': 'multipart/form-data; boundary=x' }, 2 * 1024 * 1024 * 1024)]);
  assert.equal(early.status, 413, early.error || early.text);
  assert.equal(early.json.code, 'media.too_large');
});

test('a role without posts.draft is refused before anything is stored (the answer comes before the body)', async () => {
  const before = blobs();
  const r = await upload(who.sokol, `${W}/media`, { file: [png(10, 10, { seed: 3 }), 'a.png'] });
  assertProblem(r, 403, 'auth.forbidden');
  // Headers only, with a body announced that never comes: the refusal still arrives.
  const early = await rawInPieces([head(`${W}/media`, { authorization: `Bearer ${analystToken}`, 'content-type': 'multipart/form-data; boundary=x' }, 100 * 1024 * 1024)]);
  assert.equal(early.status, 403, early.error || early.text);
  assert.equal(early.json.code, 'auth.forbidden');
  const anon = await rawInPieces([head(`${W}/media`, { 'content-type': 'multipart/form-data; boundary=x' }, 100 * 1024 * 1024)]);
  assert.equal(anon.status, 401);
  assert.deepEqual(temps(), []);
  assert.deepEqual(blobs(), before);
});

test('another workspace\'s media is not found, by any route', async () => {
  const foreign = await upload(who.elira, `${W2}/media`, { file: [png(20, 20, { seed: 42 }), 'bread.png'] });
  assert.equal(foreign.status, 201);
  const id = foreign.body.media.id;
  for (const [m, p, b] of [['GET', `${W}/media/${id}`], ['GET', `${W}/media/${id}/file`], ['GET', `${W}/media/${id}/rendition/x`],
    ['PATCH', `${W}/media/${id}`, { alt_text: 'mine now' }], ['DELETE', `${W}/media/${id}`]]) {
    assertProblem(await sapi(srv.url, who.elira, m, p, b), 404, 'media.not_found', undefined, `${m} ${p}`);
  }
  const list = await sapi(srv.url, who.elira, 'GET', `${W}/media?limit=200`);
  assert.ok(!list.body.media.some((x) => x.id === id));
  const still = await sapi(srv.url, who.elira, 'GET', `${W2}/media/${id}`);
  assert.equal(still.body.media.alt_text, '');
  // The client approver of workspace 1 only does not see workspace 2 at all.
  const ana = await login(srv.url, 'ana@gurikuq.al');
  assertProblem(await sapi(srv.url, ana, 'GET', `${W2}/media/${id}/file`), 404, 'workspace.not_found');
});

test('instagram rendition: JPEG inside 4:5 to 1.91:1 and 1440 px, for wide and tall pictures; cached', async () => {
  for (const [w, h, lo, hi] of [[1000, 300, 1.85, 1.91], [300, 1000, 0.8, 0.81], [2000, 1500, 1.32, 1.34]]) {
    const up = await upload(who.luan, `${W}/media`, { file: [png(w, h, { seed: w }), `${w}x${h}.png`] });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const r = await getBytes(who.sokol, `${W}/media/${up.body.media.id}/rendition/instagram`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/jpeg');
    const s = jpegSize(r.bytes);
    assert.ok(s, 'a JPEG');
    const a = s.width / s.height;
    assert.ok(a >= 0.8 && a <= 1.91, `${w}x${h} -> ${s.width}x${s.height} (${a})`);
    assert.ok(a >= lo && a <= hi, `${w}x${h} -> ${s.width}x${s.height} (${a})`);
    assert.ok(s.width <= 1440 && r.bytes.length <= 8 * 1024 * 1024);
    const etag = r.headers.get('etag');
    const again = await getBytes(who.sokol, `${W}/media/${up.body.media.id}/rendition/instagram`, { 'if-none-match': etag });
    assert.equal(again.status, 304);
  }
  assertProblem(await sapi(srv.url, who.luan, 'GET', `${W}/media/${pictureId}/rendition/myspace`), 400, 'media.network', 'network');
});

test('bluesky rendition of a large noisy picture fits 1,000,000 bytes', async () => {
  const noisy = png(2400, 2400, { noise: true });
  assert.ok(noisy.length > 15 * 1024 * 1024);
  const up = await upload(who.luan, `${W}/media`, { file: [noisy, 'noise.png'] });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const r = await getBytes(who.sokol, `${W}/media/${up.body.media.id}/rendition/bluesky`);
  assert.equal(r.status, 200);
  assert.ok(r.bytes.length <= 1000000, `${r.bytes.length} bytes`);
  const s = jpegSize(r.bytes);
  assert.ok(s && s.width === s.height && s.width <= 2000 && s.width >= 300, JSON.stringify(s));
  const x = await getBytes(who.sokol, `${W}/media/${up.body.media.id}/rendition/x`);
  assert.ok(x.bytes.length <= 5000000, `${x.bytes.length} bytes for X`);
});

test('media in posts: ids must be this workspace\'s; the post shows the items; in use cannot be deleted', async () => {
  const img = await upload(who.luan, `${W}/media`, { file: [png(120, 80, { seed: 77 }), 'used.png'], alt_text: 'Terrace at dusk' });
  const id = img.body.media.id;
  const foreign = (await upload(who.elira, `${W2}/media`, { file: [png(30, 30, { seed: 78 }), 'other.png'] })).body.media.id;
  const ch = await sapi(srv.url, who.elira, 'POST', `${W}/channels`, { network: 'bluesky', name: 'Media test' });
  assert.equal(ch.status, 201);
  assertProblem(await sapi(srv.url, who.luan, 'POST', `${W}/posts`, { master_text: 'x', media: [999999] }), 400, 'post.media', '$.media[0]');
  assertProblem(await sapi(srv.url, who.luan, 'POST', `${W}/posts`, { master_text: 'x', media: [id, foreign] }), 400, 'post.media', '$.media[1]');
  const p = await sapi(srv.url, who.luan, 'POST', `${W}/posts`, { master_text: 'Dusk', content_type: 'image', media: [id], channel_ids: [ch.body.channel.id] });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  assert.deepEqual(p.body.post.media_items, [{ id, type: 'image', format: 'png', width: 120, height: 80, alt_text: 'Terrace at dusk' }]);
  const vid = p.body.post.variants[0].id;
  assertProblem(await sapi(srv.url, who.luan, 'PATCH', `${W}/posts/${p.body.post.id}/variants/${vid}`, { media: [foreign] }), 400, 'post.media', '$.media[0]');
  const v = await sapi(srv.url, who.luan, 'PATCH', `${W}/posts/${p.body.post.id}/variants/${vid}`, { media: [id, pictureId] });
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.deepEqual(v.body.post.variants[0].media_items.map((x) => x.id), [id, pictureId]);
  const m = (await sapi(srv.url, who.luan, 'GET', `${W}/media/${id}`)).body.media;
  assert.equal(m.usage_count, 2, 'the master and the variant');
  assert.equal(m.used_by_posts, 1);
  assertProblem(await sapi(srv.url, who.luan, 'DELETE', `${W}/media/${id}`), 409, 'media.in_use');
  assert.equal((await sapi(srv.url, who.luan, 'GET', `${W}/media/${id}`)).status, 200, 'still there');
  // Taken out of the post and the variant, it can go, and its bytes with it.
  await sapi(srv.url, who.luan, 'PATCH', `${W}/posts/${p.body.post.id}/variants/${vid}`, { media: null });
  const u = await sapi(srv.url, who.luan, 'PATCH', `${W}/posts/${p.body.post.id}`, { media: [] });
  assert.equal(u.status, 200, JSON.stringify(u.body));
  assert.equal((await sapi(srv.url, who.luan, 'GET', `${W}/media/${id}`)).body.media.usage_count, 0);
  const s = img.body.media.sha256;
  assert.ok(blobs().includes(`${s.slice(0, 2)}/${s.slice(2, 4)}/${s}`));
  assert.equal((await sapi(srv.url, who.luan, 'DELETE', `${W}/media/${id}`)).status, 204);
  assertProblem(await sapi(srv.url, who.luan, 'GET', `${W}/media/${id}`), 404, 'media.not_found');
  assert.ok(!blobs().includes(`${s.slice(0, 2)}/${s.slice(2, 4)}/${s}`), 'the blob is gone');
  // Deleting the post frees what it used.
  const p2 = await sapi(srv.url, who.luan, 'POST', `${W}/posts`, { master_text: 'again', media: [pictureId] });
  assert.equal((await sapi(srv.url, who.luan, 'GET', `${W}/media/${pictureId}`)).body.media.usage_count, 1);
  await sapi(srv.url, who.luan, 'DELETE', `${W}/posts/${p2.body.post.id}`);
  assert.equal((await sapi(srv.url, who.luan, 'GET', `${W}/media/${pictureId}`)).body.media.usage_count, 0);
  const audit = await sapi(srv.url, who.elira, 'GET', `${W}/audit?limit=100`);
  for (const a of ['media.upload', 'media.delete']) assert.ok(audit.body.entries.some((x) => x.action === a), a);
});

test('alt text and tags: PATCH, limits in characters, filters', async () => {
  const ok = await sapi(srv.url, who.luan, 'PATCH', `${W}/media/${pictureId}`, { alt_text: 'ë'.repeat(1500), tags: ['summer', 'hotel'] });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.media.alt_text.length, 1500);
  assertProblem(await sapi(srv.url, who.luan, 'PATCH', `${W}/media/${pictureId}`, { alt_text: 'a'.repeat(1501) }), 400, 'media.alt_text');
  assertProblem(await sapi(srv.url, who.luan, 'PATCH', `${W}/media/${pictureId}`, { tags: ['a', 'a'] }), 400, 'media.tags', 'tags[1]');
  assertProblem(await sapi(srv.url, who.luan, 'PATCH', `${W}/media/${pictureId}`, { tags: ['x'.repeat(51)] }), 400, 'media.tags');
  assertProblem(await sapi(srv.url, who.luan, 'PATCH', `${W}/media/${pictureId}`, { bogus: 1 }), 400, 'field.unknown');
  assertProblem(await sapi(srv.url, who.sokol, 'PATCH', `${W}/media/${pictureId}`, { alt_text: 'analyst' }), 403, 'auth.forbidden');
  const cleared = await sapi(srv.url, who.luan, 'PATCH', `${W}/media/${pictureId}`, { alt_text: null });
  assert.equal(cleared.body.media.alt_text, '');
  assert.deepEqual(cleared.body.media.tags, ['summer', 'hotel'], 'tags kept');
  const long = await upload(who.luan, `${W}/media`, { file: [png(5, 5, { seed: 5 }), 'a.png'], alt_text: 'x'.repeat(1501) });
  assertProblem(long, 400, 'media.alt_text');
  const tagged = await sapi(srv.url, who.sokol, 'GET', `${W}/media?tag=hotel&type=image`);
  assert.deepEqual(tagged.body.media.map((x) => x.id), [pictureId]);
  const all = await sapi(srv.url, who.sokol, 'GET', `${W}/media?limit=200`);
  const ids = all.body.media.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
  const page = await sapi(srv.url, who.sokol, 'GET', `${W}/media?limit=2&before=${ids[0]}`);
  assert.deepEqual(page.body.media.map((x) => x.id), ids.slice(1, 3));
  assertProblem(await sapi(srv.url, who.sokol, 'GET', `${W}/media?type=pdf`), 400, 'query.invalid', 'type');
  assertProblem(await sapi(srv.url, who.sokol, 'GET', `${W}/media?limit=0`), 400, 'query.invalid', 'limit');
});

test('hostile multipart: no boundary, no closing boundary, huge part headers, many parts, unknown parts', async () => {
  const tok = cliToken(srv.db, 1, 'creative', 'media-mp');
  const auth = { authorization: `Bearer ${tok}` };
  const send = (ct, body) => rawInPieces([head(`${W}/media`, { ...auth, 'content-type': ct }, body.length), body]);
  const file = { headers: 'Content-Disposition: form-data; name="file"; filename="a.png"', data: png(4, 4, { seed: 11 }) };
  let r = await send('multipart/form-data', multipartBody('b', [file]));
  assert.equal(r.json?.code, 'multipart.boundary', r.text);
  r = await send('application/json', Buffer.from('{}'));
  assert.equal(r.json?.code, 'request.content_type', r.text);
  r = await send('multipart/form-data; boundary=b', multipartBody('b', [file]).subarray(0, 60));
  assert.equal(r.json?.code, 'multipart.truncated', r.text);
  r = await send('multipart/form-data; boundary=b', Buffer.from('no boundary anywhere in here'));
  assert.equal(r.json?.code, 'multipart.truncated', r.text);
  r = await send('multipart/form-data; boundary=b', multipartBody('b', [{ headers: 'Content-Disposition: form-data; name="file"\r\nX-Pad: ' + 'y'.repeat(8000), data: 'x' }]));
  assert.equal(r.json?.code, 'multipart.header_too_large', r.text);
  r = await send('multipart/form-data; boundary=b', multipartBody('b', Array.from({ length: 20 }, () => ({ headers: 'Content-Disposition: form-data; name="tags"', data: 'a' }))));
  assert.equal(r.json?.code, 'field.unknown', r.text); // the second tags part (part limits: tests/unit/test_multipart.c)
  assert.equal(r.json?.field, 'tags');
  r = await send('multipart/form-data; boundary=b', multipartBody('b', [file, { headers: 'Content-Disposition: form-data; name="owner"', data: '1' }]));
  assert.equal(r.json?.code, 'field.unknown', r.text);
  assert.equal(r.json?.field, 'owner');
  r = await send('multipart/form-data; boundary=b', multipartBody('b', [{ headers: 'Content-Type: text/plain', data: 'x' }]));
  assert.equal(r.json?.code, 'multipart.part', r.text);
  r = await send('multipart/form-data; boundary=b', multipartBody('b', [{ headers: 'Content-Disposition: form-data; name="alt_text"', data: 'no file' }]));
  assert.equal(r.json?.code, 'field.required', r.text);
  assert.equal(r.status, 400);
  assert.deepEqual(temps(), []);
});

test('boundaries split across reads, byte by byte: the file arrives whole', async () => {
  const tok = cliToken(srv.db, 1, 'creative', 'media-split');
  const img = png(33, 17, { seed: 123 });
  // A boundary that also appears, cut short, inside the data around it.
  const boundary = 'kanal-Boundary-0123456789';
  const body = multipartBody(boundary, [
    { headers: 'Content-Disposition: form-data; name="alt_text"', data: 'almost \r\n--kanal-Boundary-01234 but not quite' },
    { headers: 'Content-Disposition: form-data; name="file"; filename="split.png"\r\nContent-Type: text/plain', data: img },
  ]);
  const pieces = [head(`${W}/media`, { authorization: `Bearer ${tok}`, 'content-type': `multipart/form-data; boundary="${boundary}"` }, body.length)];
  for (let i = 0; i < body.length;) {
    const n = i < 300 ? 1 : 97; // byte by byte through both boundaries, then in odd slices
    pieces.push(body.subarray(i, i + n));
    i += n;
  }
  const r = await rawInPieces(pieces, { pause: 0 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.media.sha256, sha(img));
  assert.equal(r.json.media.alt_text, 'almost \r\n--kanal-Boundary-01234 but not quite');
  assert.deepEqual([r.json.media.width, r.json.media.height], [33, 17]);
});

test('a client that goes away mid-upload leaves no temporary file', async () => {
  const tok = cliToken(srv.db, 1, 'creative', 'media-gone');
  const body = multipartBody('b', [{ headers: 'Content-Disposition: form-data; name="file"; filename="a.png"', data: png(200, 200, { noise: true }) }]);
  const h = head(`${W}/media`, { authorization: `Bearer ${tok}`, 'content-type': 'multipart/form-data; boundary=b' }, body.length);
  await rawInPieces([h, body.subarray(0, 40000)], { pause: 50, endEarly: true });
  for (let i = 0; i < 50 && temps().length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(temps(), []);
});
