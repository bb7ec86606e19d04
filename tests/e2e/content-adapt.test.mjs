// Browser: a master text too long for Bluesky gets a one-click fix — the
// server's proposal (a numbered thread) applied to that network only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { openBrowser, newPage, shot, signIn, apiSession, apiGet, HOTEL } from './browser.mjs';

const LONG = Array.from({ length: 60 }, (_, i) => `Dita ${i + 1} në bregdet.`).join(' ');
let server, browser, base, hotel, arben, bsky, page;

before(async () => {
  server = await startServer({ demo: true });
  base = server.url;
  browser = await openBrowser();
  arben = await apiSession(base, 'arben@studiodrita.al');
  hotel = arben.byName[HOTEL];
  const chans = (await apiGet(base, arben.session, `/api/v1/workspaces/${hotel.id}/channels`)).channels;
  bsky = chans.find((c) => c.network === 'bluesky').id;
  ({ page } = await newPage(browser, base));
  await signIn(page, base, 'mira@studiodrita.al');
});
after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('the Bluesky preview offers to split the text into a thread; one click applies it', async () => {
  await page.goto(`${base}/#/ws/${hotel.id}/compose`);
  await page.getByTestId('compose-text').fill(LONG);
  await page.getByTestId('channel-' + bsky).check();
  const card = page.locator(`[data-testid=preview][data-network=bluesky]`);
  await card.locator('[data-testid=preview-count][data-state=over]').waitFor();
  const button = card.getByTestId('adapt');
  await button.waitFor();
  assert.match(await button.textContent(), /Split into a thread of \d+ posts/);
  await button.click();
  await card.getByTestId('preview-thread').waitFor();
  await card.locator('[data-testid=preview-count][data-state=ok]').waitFor();
  assert.equal(await card.getByTestId('preview-problem').count(), 0);
  const id = Number(/posts\/(\d+)/.exec(await page.evaluate(() => location.hash))[1]);
  const post = (await apiGet(base, arben.session, `/api/v1/workspaces/${hotel.id}/posts/${id}`)).post;
  const v = post.variants[0];
  assert.ok(v.thread.length >= 2, JSON.stringify(v.thread));
  assert.ok(v.thread_counts.every((c) => c.valid && c.length <= 300));
  assert.match(await card.getByTestId('preview-thread').textContent(), new RegExp(`${v.thread.length}`));
  await shot(page, 'compose-adapted');
});
