// bench/publish/channels.mjs: makes the bench's webhook channels through
// kanal's API, as a person would (POST .../channels, then PUT its account
// with the endpoint's URL and a signing secret), a few requests at a time.
//
// usage: node channels.mjs BASE_URL TOKEN WORKSPACE COUNT HOOK_URL SECRET
// Prints: channels=N seconds=S
const [base, token, ws, countArg, hook, secret] = process.argv.slice(2);
const count = Number(countArg);
if (!base || !token || !ws || !(count > 0) || !hook || !secret) {
  console.error('usage: node channels.mjs BASE_URL TOKEN WORKSPACE COUNT HOOK_URL SECRET');
  process.exit(2);
}
const CONCURRENCY = 8;

async function call(method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const t0 = performance.now();
let next = 0;
async function lane() {
  while (next < count) {
    const i = next++;
    const c = await call('POST', `/api/v1/workspaces/${ws}/channels`, { network: 'webhook', name: `bench ${i}` });
    const id = c.channel.id;
    const a = await call('PUT', `/api/v1/workspaces/${ws}/channels/${id}/account`,
      { url: `${hook}/hook/${i}`, secret, timeout_seconds: 15 });
    if (a.channel.account.status !== 'connected') throw new Error(`channel ${id} is not connected`);
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, lane));
console.log(`channels=${count} seconds=${((performance.now() - t0) / 1000).toFixed(2)}`);
