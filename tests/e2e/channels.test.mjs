// Browser: the Channels page and the publishing timeline (issue 4). The
// owner (Elira) edits a channel's posting slots, time zone and limits (a
// wrong value is shown at its field), sees them after a reload and the
// next-slot API honours them; pauses one webhook channel from its row, so
// that its post stays pending while another channel's goes out, and
// resumes it so that it goes out too; changes the grace window in
// Settings; and drives the compose page timeline's buttons: retry on a
// publication a webhook refused (400, then accepted), mark as published on
// one left unconfirmed by a webhook that never answers, cancel on another
// refused one — each checked through the API afterwards. The webhook
// secrets are in no page, no API answer and no log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { openBrowser, newPage, shot, signIn, apiSession, apiGet, api, HOTEL } from './browser.mjs';
import { startReceiver, waitFor, sleep } from '../api/_webhook.mjs';
import { startMastodon } from '../api/_mastodon.mjs';

const ELIRA = 'elira@studiodrita.al';
const SECRET = 'whsec-e2e-' + Date.now().toString(36) + '-0123456789abcdef';
const MTOKEN = 'mtok-e2e-' + Date.now().toString(36) + '-abcdef0123456789';
let masto;

let server;
let browser;
let base;
let hotel;
let owner;
let page;
let problems;
let rcv;
const answers = [];

async function call(method, path, body) {
  const r = await api(base, method, path, { body, cookie: owner.session.cookie, csrf: owner.session.csrf, origin: base });
  answers.push(JSON.stringify(r.body));
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const W = () => `/api/v1/workspaces/${hotel.id}`;

async function hookChannel(name, path, extra = {}) {
  const c = (await call('POST', `${W()}/channels`, { network: 'webhook', name })).channel;
  await call('PUT', `${W()}/channels/${c.id}/account`, { url: rcv.url + path, secret: SECRET, ...extra });
  return c;
}

async function pubsOf(postId) {
  return (await call('GET', `${W()}/posts/${postId}/publications`)).publications;
}

async function settle(postId, state, timeout = 20000) {
  return waitFor(async () => {
    const p = await pubsOf(postId);
    return p.length === 1 && p[0].state === state ? p[0] : null;
  }, { timeout, what: `post ${postId} to be ${state}` });
}

const row = (id) => page.locator(`[data-testid=channel-row][data-id="${id}"]`);

// The Channels page, loaded afresh (a hash change alone keeps its list).
async function openChannels() {
  await page.goto(`${base}/#/ws/${hotel.id}/channels`);
  await page.reload();
  await page.getByTestId('channel-list').waitFor();
}

before(async () => {
  rcv = await startReceiver(SECRET);
  masto = await startMastodon(MTOKEN);
  server = await startServer({ demo: true, env: { KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '400' } });
  base = server.url;
  browser = await openBrowser();
  owner = await apiSession(base, ELIRA);
  hotel = owner.byName[HOTEL];
  ({ page, problems } = await newPage(browser, base));
  await signIn(page, base, ELIRA);
  await page.evaluate(() => localStorage.setItem('kanal.lang', 'en'));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (rcv) await rcv.stop();
  if (masto) await masto.stop();
});

test('slots, time zone and limits are edited on the page, kept after a reload, and the next slot honours them', async () => {
  const c = (await call('POST', `${W()}/channels`, { network: 'mastodon', name: 'Mastodon slots', timezone: 'UTC' })).channel;
  await openChannels();
  await row(c.id).waitFor();
  assert.equal(await row(c.id).getAttribute('data-health'), 'not_connected');
  assert.match(await row(c.id).getByTestId('channel-last-published').textContent(), /Nothing published yet|Ende asgjë/);
  await row(c.id).getByTestId('channel-edit').click();
  const dlg = page.getByTestId('channel-edit-dialog');
  await dlg.waitFor();
  // the network's default shows beside the field
  assert.equal(await page.getByTestId('limit-max_chars').getAttribute('placeholder'), '500');
  await page.getByTestId('edit-timezone').fill('Europe/Tirane');
  await page.getByTestId('slot-add').click();
  await page.getByTestId('slot-add').click();
  const days = page.getByTestId('slot-day');
  const times = page.getByTestId('slot-time');
  await days.nth(0).selectOption('1');
  await times.nth(0).fill('08:15');
  await days.nth(1).selectOption('4');
  await times.nth(1).fill('18:40');
  // a value the page refuses, then one the server refuses: each at its field
  await page.getByTestId('limit-max_chars').fill('abc');
  await page.getByTestId('channel-edit-save').click();
  await page.getByTestId('limit-max_chars-error').waitFor();
  await page.getByTestId('limit-max_chars').fill('2000000');
  await page.getByTestId('channel-edit-save').click();
  await page.getByTestId('limit-max_chars-error').filter({ hasText: /limits|kufij/i }).waitFor();
  assert.deepEqual((await apiGet(base, owner.session, `${W()}/channels/${c.id}`)).channel.limits, {}, 'nothing saved');
  await page.getByTestId('limit-max_chars').fill('1000');
  await page.getByTestId('channel-edit-save').click();
  await dlg.waitFor({ state: 'detached' });

  await page.reload();
  await row(c.id).waitFor();
  assert.match(await row(c.id).getByTestId('channel-limits').textContent(), /1000/);
  assert.match(await row(c.id).getByTestId('channel-timezone').textContent(), /Europe\/Tirane/);
  const slotsText = await row(c.id).getByTestId('channel-slots').textContent();
  assert.match(slotsText, /08:15/);
  assert.match(slotsText, /18:40/);
  await shot(page, 'channels-edited');
  const ch = (await apiGet(base, owner.session, `${W()}/channels/${c.id}`)).channel;
  assert.deepEqual(ch.slots, [{ day: 1, time: '08:15' }, { day: 4, time: '18:40' }]);
  assert.deepEqual(ch.limits, { max_chars: 1000 });
  assert.equal(ch.timezone, 'Europe/Tirane');
  assert.equal(ch.network_limits.max_chars, 500);
  // the dialog opens with what was saved
  await row(c.id).getByTestId('channel-edit').click();
  assert.equal(await page.getByTestId('limit-max_chars').inputValue(), '1000');
  assert.equal(await page.getByTestId('slot-row').count(), 2);
  await page.keyboard.press('Escape');
  await dlg.waitFor({ state: 'detached' });

  const next = await apiGet(base, owner.session, `${W()}/channels/${c.id}/next-slot`);
  assert.equal(next.timezone, 'Europe/Tirane');
  const [date, time] = next.local.split('T');
  const wd = new Date(date + 'T00:00:00Z').getUTCDay(); // 0 = Sunday
  assert.ok((wd === 1 && time === '08:15') || (wd === 4 && time === '18:40'), `next slot ${next.local}`);
  // and it is the nearest one after now
  const nowLocal = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Tirane', dateStyle: 'short', timeStyle: 'short' }).format(new Date()).replace(' ', 'T');
  assert.ok(next.local > nowLocal, `${next.local} after ${nowLocal}`);
  assert.ok(Date.parse(next.at) - Date.now() <= 7 * 86400000, 'within a week');
});

test('pausing one channel from its row holds its post while another channel\'s goes out; resuming sends it', async () => {
  const a = await hookChannel('Paused hook', '/paused');
  const b = await hookChannel('Running hook', '/running');
  await openChannels();
  await row(a.id).waitFor();
  assert.equal(await row(a.id).getAttribute('data-health'), 'connected');
  await row(a.id).getByTestId('channel-pause').click();
  await page.getByTestId('confirm-ok').click();
  await row(a.id).getByTestId('channel-paused').waitFor();
  assert.equal(await row(a.id).getAttribute('data-paused'), '1');
  assert.equal(await row(b.id).getAttribute('data-paused'), '0');
  const st = await apiGet(base, owner.session, `${W()}/publishing`);
  assert.deepEqual(st.paused.map((p) => p.channel_id), [a.id]);
  await shot(page, 'channels-paused');

  const pa = (await call('POST', `${W()}/posts`, { master_text: 'Held while paused', channel_ids: [a.id] })).post;
  const pb = (await call('POST', `${W()}/posts`, { master_text: 'Out while the other is paused', channel_ids: [b.id] })).post;
  const at = new Date(Date.now() + 1500).toISOString();
  await call('POST', `${W()}/posts/${pa.id}/schedule`, { scheduled_at: at });
  await call('POST', `${W()}/posts/${pb.id}/schedule`, { scheduled_at: at });
  await settle(pb.id, 'published');
  await sleep(1500);
  assert.equal((await pubsOf(pa.id))[0].state, 'pending', 'the paused channel\'s post waits');
  assert.equal(rcv.to('/paused').length, 0, 'nothing sent to the paused channel');
  assert.equal(rcv.to('/running').length, 1);

  await row(a.id).getByTestId('channel-resume').click();
  await row(a.id).getByTestId('channel-pause').waitFor();
  const pub = await settle(pa.id, 'published');
  assert.equal(rcv.to('/paused').length, 1, 'sent once on resume');
  assert.equal(rcv.to('/paused')[0].json.text, 'Held while paused');
  assert.ok(pub.published_at);
  assert.equal((await apiGet(base, owner.session, `${W()}/publishing`)).paused.length, 0);
  // the running channel's health now names its last publication
  await page.reload();
  await row(b.id).waitFor();
  assert.doesNotMatch(await row(b.id).getByTestId('channel-last-published').textContent(), /Nothing published yet|Ende asgjë/);
  const hb = (await apiGet(base, owner.session, `${W()}/channels/${b.id}`)).channel.health;
  assert.equal(hb.state, 'connected');
  assert.ok(Date.parse(hb.last_published_at) > Date.now() - 60000);
  assert.equal(hb.last_error, null);
});

test('the grace window is shown and changed in Settings', async () => {
  await page.goto(`${base}/#/ws/${hotel.id}/settings`);
  const field = page.getByTestId('grace-minutes');
  await field.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=grace-minutes]').value !== '');
  const before0 = (await apiGet(base, owner.session, `${W()}/publishing`)).grace_seconds;
  assert.equal(await field.inputValue(), String(Math.round(before0 / 60)));
  await field.fill('0');
  await page.getByTestId('grace-save').click();
  await page.getByTestId('grace-minutes-error').waitFor();
  assert.equal((await apiGet(base, owner.session, `${W()}/publishing`)).grace_seconds, before0, 'unchanged');
  await field.fill('45');
  await page.getByTestId('grace-save').click();
  await waitFor(async () => (await apiGet(base, owner.session, `${W()}/publishing`)).grace_seconds === 2700, { what: 'grace 2700 s' });
  await page.reload();
  await page.waitForFunction(() => document.querySelector('[data-testid=grace-minutes]')?.value === '45');
  await shot(page, 'settings-grace');
});

test('the timeline\'s retry, mark as published and cancel buttons change the publication as they say', async () => {
  // refused once, then accepted: retry
  rcv.behave('/flaky', (d, n) => (n === 1 ? { status: 400, body: { error: 'refused by the test receiver' } } : { status: 200 }));
  rcv.behave('/refuse', () => ({ status: 400, body: { error: 'refused by the test receiver' } }));
  rcv.behave('/hang', () => ({ hang: true }));
  const flaky = await hookChannel('Flaky hook', '/flaky');
  const refuse = await hookChannel('Refusing hook', '/refuse');
  const hang = await hookChannel('Silent hook', '/hang', { timeout_seconds: 1 });
  const mk = async (text, ch) => {
    const p = (await call('POST', `${W()}/posts`, { master_text: text, title: text, channel_ids: [ch.id] })).post;
    await call('POST', `${W()}/posts/${p.id}/schedule`, { scheduled_at: new Date(Date.now() + 1000).toISOString() });
    return p;
  };
  const p1 = await mk('Retry me', flaky);
  const p2 = await mk('Mark me', hang);
  const p3 = await mk('Cancel me', refuse);
  await settle(p1.id, 'failed');
  await settle(p2.id, 'unconfirmed', 30000);
  await settle(p3.id, 'failed');

  const open = async (id, state) => {
    await page.goto(`${base}/#/ws/${hotel.id}/posts/${id}`);
    await page.reload();
    const item = page.locator(`[data-testid=pub-timeline] [data-testid=pub-item][data-state=${state}]`);
    await item.waitFor();
    return item;
  };
  let item = await open(p1.id, 'failed');
  assert.match(await item.getByTestId('pub-error').textContent(), /refused by the test receiver/);
  await item.getByTestId('pub-retry').click();
  await page.locator('[data-testid=pub-timeline] [data-testid=pub-item][data-state=published]').waitFor({ timeout: 20000 });
  const r1 = await settle(p1.id, 'published');
  assert.equal(rcv.to('/flaky').length, 2);
  assert.equal(rcv.to('/flaky')[1].key, rcv.to('/flaky')[0].key, 'the same idempotency key');
  assert.match(r1.remote_url, /^https:\/\/receiver\.test\/p\/\d+$/);

  item = await open(p2.id, 'unconfirmed');
  await item.getByTestId('pub-mark').click();
  await page.getByTestId('mark-url').fill('https://example.com/hooks/marked');
  await page.getByTestId('mark-submit').click();
  await page.getByTestId('mark-dialog').waitFor({ state: 'detached' });
  await page.locator('[data-testid=pub-timeline] [data-testid=pub-item][data-state=published]').waitFor();
  const r2 = (await pubsOf(p2.id))[0];
  assert.equal(r2.state, 'published');
  assert.equal(r2.remote_url, 'https://example.com/hooks/marked');

  item = await open(p3.id, 'failed');
  await item.getByTestId('pub-cancel').click();
  await page.getByTestId('confirm-ok').click();
  await page.getByTestId('confirm-ok').waitFor({ state: 'detached' });
  const r3 = await settle(p3.id, 'canceled', 5000);
  assert.equal(r3.state, 'canceled');
  assert.equal(rcv.to('/refuse').length, 1, 'cancel sends nothing');
  await shot(page, 'timeline-canceled');

  // the refused channel's health names the failure
  const h = (await apiGet(base, owner.session, `${W()}/channels/${refuse.id}`)).channel.health;
  assert.equal(h.last_error, null, 'a canceled publication is no longer a failure');
  const hf = (await apiGet(base, owner.session, `${W()}/channels/${flaky.id}`)).channel.health;
  assert.equal(hf.last_error, null);
});

test('"read limits from the instance": a 700-character draft fits a 1000-character instance, as the composer counts', async () => {
  masto.configure({ max_characters: 1000 });
  const c = (await call('POST', `${W()}/channels`, { network: 'mastodon', name: 'Mastodon 1000' })).channel;
  await call('PUT', `${W()}/channels/${c.id}/account`, { base_url: masto.url, handle: '@kanal@127.0.0.1', secrets: { access_token: MTOKEN } });
  const p = (await call('POST', `${W()}/posts`, { master_text: 'b'.repeat(700), channel_ids: [c.id] })).post;
  assert.equal(p.variants[0].count.valid, false, 'too long for the default 500');
  await openChannels();
  await row(c.id).getByTestId('channel-limits-refresh').click();
  await row(c.id).getByTestId('channel-limits').filter({ hasText: '1000' }).waitFor();
  const ch = (await apiGet(base, owner.session, `${W()}/channels/${c.id}`)).channel;
  assert.equal(ch.limits.max_chars, 1000);
  const v = (await apiGet(base, owner.session, `${W()}/posts/${p.id}`)).post.variants[0];
  assert.deepEqual([v.count.length, v.count.limit, v.count.valid], [700, 1000, true]);
  assert.deepEqual(v.problems, []);
  // the composer shows the instance's count
  await page.goto(`${base}/#/ws/${hotel.id}/posts/${p.id}`);
  await page.reload();
  await page.getByTestId('page-compose').waitFor();
  await page.getByText(/700\s*\/\s*1[,.\u202f\u00a0]?000/).first().waitFor();
  await shot(page, 'compose-mastodon-1000');
});

test('a failure shows on the channel\'s row; the secret is in no page, answer or log line', async () => {
  rcv.behave('/broken', () => ({ status: 400, body: { error: 'refused by the test receiver' } }));
  const c = await hookChannel('Broken hook', '/broken');
  const p = (await call('POST', `${W()}/posts`, { master_text: 'Refused again', channel_ids: [c.id] })).post;
  await call('POST', `${W()}/posts/${p.id}/schedule`, { scheduled_at: new Date(Date.now() + 800).toISOString() });
  await settle(p.id, 'failed');
  await openChannels();
  const err = row(c.id).getByTestId('channel-last-error');
  await err.waitFor();
  assert.equal(await err.getAttribute('data-code'), 'webhook.rejected');
  answers.push(JSON.stringify(await apiGet(base, owner.session, `${W()}/channels`)));
  assert.ok(!(await page.content()).includes(SECRET), 'not in the page');
  assert.ok(!answers.join('\n').includes(SECRET), 'not in an answer');
  assert.ok(!server.stderr().includes(SECRET), 'not in the log');
  for (const x of [MTOKEN]) {
    assert.ok(!(await page.content()).includes(x) && !answers.join('\n').includes(x) && !server.stderr().includes(x), 'no access token anywhere');
  }
  assert.deepEqual(problems, []);
});
