// bench/publish/bullmq.mjs: the anchor, BullMQ on Redis (the queue Postiz
// uses). The same posts as kanal's, as delayed jobs, and one worker process
// that POSTs each to the same endpoint with the same payload shape and
// headers kanal's webhook connector sends (compact JSON, sorted keys,
// HMAC-SHA256 signature, idempotency key).
//
// usage: node bullmq.mjs add REDIS_PORT POSTS WINDOW_MS CHANNELS
//          adds the jobs; post i due at START + i * WINDOW_MS / POSTS, START
//          chosen like bench/publish/seed.c does (a timed sample, x1.5 + 2 s);
//          prints: posts=N start_ms=S window_ms=W created_s=T rate=R slack_ms=X
//        node bullmq.mjs work REDIS_PORT HOOK_URL SECRET CONCURRENCY
//          runs the worker until SIGTERM; prints "ready" once listening.
//
// Jobs keep BullMQ's defaults (completed jobs stay in Redis, as kanal keeps
// its history) but one attempt: kanal's exactly-once protocol never
// re-sends blindly either.
import crypto from 'node:crypto';
import { Queue, Worker } from 'bullmq';

const QUEUE = 'publish';
const [mode, portArg, ...rest] = process.argv.slice(2);
const connection = { host: '127.0.0.1', port: Number(portArg), maxRetriesPerRequest: null };

function job(i, due, channels) {
  return {
    name: 'publish',
    data: { key: `bench-${i}`, due, text: `bench post ${i}`, channel: i % channels },
    opts: { jobId: `bench-${i}`, delay: Math.max(0, due - Date.now()) },
  };
}

if (mode === 'add') {
  const [postsArg, windowArg, channelsArg] = rest;
  const posts = Number(postsArg), windowMs = Number(windowArg), channels = Number(channelsArg);
  const queue = new Queue(QUEUE, { connection });
  await queue.obliterate({ force: true });
  const BATCH = 1000;
  // one job's cost, on a sample in a queue of its own that is then removed
  // (twice: the first batch also pays for the connection and the scripts)
  const sample = new Queue(`${QUEUE}-sample`, { connection });
  const far = Date.now() + 3600000;
  let perJob = 0;
  for (let round = 0; round < 2; round++) {
    const t = performance.now();
    await sample.addBulk(Array.from({ length: BATCH }, (_, i) => job(round * BATCH + i, far, channels)));
    perJob = (performance.now() - t) / BATCH;
  }
  await sample.obliterate({ force: true });
  await sample.close();
  const begin = Date.now();
  const start = begin + Math.round(perJob * posts * 1.5) + 2000;
  for (let i = 0; i < posts; i += BATCH) {
    const n = Math.min(BATCH, posts - i);
    await queue.addBulk(Array.from({ length: n }, (_, k) => job(i + k, start + Math.floor((i + k) * windowMs / posts), channels)));
  }
  const end = Date.now();
  console.log(`posts=${posts} start_ms=${start} window_ms=${windowMs} created_s=${((end - begin) / 1000).toFixed(2)} ` +
    `rate=${Math.round(posts / ((end - begin) / 1000))} slack_ms=${start - end}`);
  await queue.close();
} else if (mode === 'work') {
  const [hook, secret, concurrencyArg] = rest;
  const concurrency = Number(concurrencyArg);
  const worker = new Worker(QUEUE, async (j) => {
    const { key, due, text, channel } = j.data;
    // the bytes kanal's webhook connector sends: compact, keys sorted
    const body = JSON.stringify({
      event: 'post.publish', idempotency_key: key, scheduled_at: new Date(due).toISOString(), text,
    });
    const sig = crypto.createHmac('sha256', secret).update(body).digest('hex');
    const r = await fetch(`${hook}/hook/${channel}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'x-kanal-event': 'post.publish',
        'x-kanal-signature': `sha256=${sig}`, 'x-kanal-idempotency-key': key,
      },
      body,
    });
    const answer = await r.text();
    if (r.status < 200 || r.status >= 300) throw new Error(`HTTP ${r.status}: ${answer.slice(0, 200)}`);
    return answer;
  }, { connection, concurrency });
  worker.on('failed', (j, err) => console.error(`job ${j?.id} failed: ${err.message}`));
  await worker.waitUntilReady();
  console.log('ready');
  const stop = async () => { await worker.close(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  console.error('usage: node bullmq.mjs add PORT POSTS WINDOW_MS CHANNELS | work PORT HOOK_URL SECRET CONCURRENCY');
  process.exit(2);
}
