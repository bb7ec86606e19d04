// A strict rate-limited webhook receiver for the rate-limit tests (not a
// test file itself): one node http server on a random loopback port with
// one URL per channel (/c/<name>). It checks the HMAC over the raw body
// before anything else, enforces a fixed window per channel and one per
// app (every channel together) the way a real API does — a call over
// either limit gets 429 and is not counted — and says so in its headers:
// RateLimit-Limit / -Remaining / -Reset (IETF; reset in whole seconds from
// now, rounded up) for the channel, X-Kanal-App-RateLimit-* for the app. A
// key accepted twice is recorded as a duplicate (and answered with the
// first answer), never hidden.
import http from 'node:http';
import crypto from 'node:crypto';

export async function startLimited(secret, { windowMs, perChannel, perApp }) {
  const t0 = Date.now();
  const accepted = []; // { channel, key, due, at }
  const byKey = new Map();
  const refused = []; // { channel, key, at, scope }
  const badSig = [];
  const dups = [];
  const counts = new Map(); // `${window}:${channel}` -> n
  const appCounts = new Map(); // window -> n
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const now = Date.now();
      const want = Buffer.from('sha256=' + crypto.createHmac('sha256', secret).update(raw).digest('hex'));
      const got = Buffer.from(String(req.headers['x-kanal-signature'] || ''));
      const m = /^\/c\/([\w-]+)$/.exec(req.url);
      if (req.method !== 'POST' || !m || got.length !== want.length || !crypto.timingSafeEqual(got, want)) {
        badSig.push({ url: req.url, at: now });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"bad signature"}');
        return;
      }
      const channel = m[1];
      const key = String(req.headers['x-kanal-idempotency-key'] || '');
      const body = JSON.parse(raw.toString('utf8'));
      if (body.idempotency_key !== key || req.headers['content-type'] !== 'application/json') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":"key or type"}');
        return;
      }
      const win = Math.floor((now - t0) / windowMs);
      const resetS = Math.ceil((t0 + (win + 1) * windowMs - now) / 1000);
      const ck = `${win}:${channel}`;
      const used = counts.get(ck) || 0;
      const appUsed = appCounts.get(win) || 0;
      const prev = byKey.get(key);
      if (prev) {
        // an idempotent receiver answers a repeat with the first answer
        dups.push({ channel, key, at: now });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: prev.id }));
        return;
      }
      const headers = (chLeft, appLeft) => ({
        'content-type': 'application/json',
        'ratelimit-limit': String(perChannel),
        'ratelimit-remaining': String(chLeft),
        'ratelimit-reset': String(resetS),
        'x-kanal-app-ratelimit-limit': String(perApp),
        'x-kanal-app-ratelimit-remaining': String(appLeft),
        'x-kanal-app-ratelimit-reset': String(resetS),
      });
      if (used >= perChannel || appUsed >= perApp) {
        refused.push({ channel, key, at: now, scope: used >= perChannel ? 'channel' : 'app' });
        res.writeHead(429, { ...headers(Math.max(0, perChannel - used), Math.max(0, perApp - appUsed)), 'retry-after': String(resetS) });
        res.end('{"error":"slow down"}');
        return;
      }
      counts.set(ck, used + 1);
      appCounts.set(win, appUsed + 1);
      const id = `r${accepted.length + 1}`;
      const a = { channel, key, due: Date.parse(body.scheduled_at), at: now, id };
      accepted.push(a);
      byKey.set(key, a);
      res.writeHead(200, headers(perChannel - used - 1, perApp - appUsed - 1));
      res.end(JSON.stringify({ id }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, t0, accepted, refused, badSig, dups,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
