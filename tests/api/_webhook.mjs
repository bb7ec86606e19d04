// A webhook receiver for the publishing tests (not a test file itself): a
// node http server on a random loopback port that checks the HMAC over the
// raw body in constant time before parsing, dedupes by idempotency key (a
// key delivered again gets the first answer, never a second acceptance),
// and records every delivery with its arrival time. Each path behaves as
// the test sets it: `behave(path, fn)` where fn(delivery, n) returns
// { status, body, delay, hang } (n: deliveries to that path so far).
import http from 'node:http';
import crypto from 'node:crypto';

export async function startReceiver(secret) {
  const deliveries = []; // { path, key, sigOk, body, json, at, dup, status }
  const accepted = new Map(); // key -> { status, body, path }
  const behaviours = new Map();
  const hanging = new Set();
  const inflight = new Map(); // key -> promise of its first answer
  let counter = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const at = Date.now();
      const want = Buffer.from('sha256=' + crypto.createHmac('sha256', secret).update(raw).digest('hex'));
      const got = Buffer.from(String(req.headers['x-kanal-signature'] || ''));
      const sigOk = got.length === want.length && crypto.timingSafeEqual(got, want);
      const path = req.url;
      const key = String(req.headers['x-kanal-idempotency-key'] || '');
      const d = { path, key, sigOk, at, raw, reconcile: req.headers['x-kanal-reconcile'] === '1', event: req.headers['x-kanal-event'] };
      deliveries.push(d);
      if (!sigOk) {
        d.status = 401;
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"bad signature"}');
        return;
      }
      d.json = JSON.parse(raw.toString('utf8'));
      // The same key while its first delivery is still being answered: wait
      // for that answer (a real idempotent receiver locks the key).
      if (inflight.has(key)) {
        inflight.get(key).then(() => handle(d, res));
        return;
      }
      handle(d, res);
    });
  });
  const handle = (d, res) => {
    const { path, key } = d;
    const prev = accepted.get(key);
    if (prev) {
      // A duplicate: answered with what the first one got, accepted once.
      d.dup = true;
      d.status = prev.status;
      res.writeHead(prev.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(prev.body));
      return;
    }
    const n = deliveries.filter((x) => x.path === path).length;
    const fn = behaviours.get(path) || (() => ({ status: 200 }));
    const b = fn(d, n) || { status: 200 };
    if (b.hang) {
      hanging.add(res);
      return;
    }
    const status = b.status || 200;
    let body = b.body;
    if (status >= 200 && status < 300 && body === undefined) {
      counter += 1;
      body = { id: `rcv-${counter}`, url: `https://receiver.test/p/${counter}` };
    }
    let done;
    inflight.set(key, new Promise((r) => { done = r; }));
    const send = () => {
      d.status = status;
      if (status >= 200 && status < 300) accepted.set(key, { status, body, path });
      inflight.delete(key);
      done();
      res.writeHead(status, { 'content-type': 'application/json', ...(b.headers || {}) });
      res.end(JSON.stringify(body ?? {}));
      if (b.after) b.after();
    };
    if (b.delay) setTimeout(send, b.delay);
    else send();
  };
  server.keepAliveTimeout = 1000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    deliveries,
    accepted,
    behave: (path, fn) => behaviours.set(path, fn),
    to: (path) => deliveries.filter((x) => x.path === path),
    stop: () => new Promise((r) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      server.close(() => r());
    }),
  };
}

// Poll fn until it returns a truthy value or the time runs out.
export async function waitFor(fn, { timeout = 15000, every = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
