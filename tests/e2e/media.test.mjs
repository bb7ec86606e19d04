// Browser: the media library and the media picker. A content manager (Mira)
// uploads a picture on the Library page (PNG bytes made here, no file from
// elsewhere), sees it in the grid with its size in pixels, writes its alt
// text, filters by type through the address, and sees a text file renamed
// .png refused with the translated reason; then, in Compose, she adds the
// picture to a post through the picker (the post's media holds its id, the
// previews show it, an image without alt text is flagged for Bluesky), and
// the library refuses to delete a picture a post uses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { png } from '../api/_images.mjs';
import { openBrowser, newPage, shot, signIn, apiSession, apiGet, api, waitHash, CATALOG, HOTEL } from './browser.mjs';

const MIRA = 'mira@studiodrita.al';
const ARBEN = 'arben@studiodrita.al';
const NETS = ['instagram', 'bluesky'];
const en = CATALOG.en;
const sq = CATALOG.sq;

// A sunset over the sea, 640 x 400: sky from orange to violet, a sun, water below.
const SUNSET = png(640, 400, {
  pixel: (x, y) => {
    if (y > 260) return [20 + ((x + y) % 9), 70 + (y - 260) / 3, 120 + ((x * 3 + y) % 17)];
    const d = Math.hypot(x - 420, y - 230);
    if (d < 46) return [255, 214, 120];
    const k = y / 260;
    return [250 - 90 * k, 150 - 80 * k, 90 + 60 * k];
  },
});
// A square plate of figs, 300 x 300.
const FIGS = png(300, 300, {
  pixel: (x, y) => {
    const d = Math.hypot(x - 150, y - 150);
    if (d < 120 && ((Math.hypot(x - 110, y - 120) < 40) || (Math.hypot(x - 190, y - 130) < 38) || (Math.hypot(x - 150, y - 195) < 42))) return [112, 40, 90];
    if (d < 130) return [246, 244, 238];
    return [214, 176, 128];
  },
});
const NOT_AN_IMAGE = Buffer.from('Menu for Saturday: grilled fish, figs, white wine.\nThis is a text file, not a picture.\n');

let server;
let browser;
let base;
let hotel;
let arben; // API session
let page;
let problems;
const chan = {};
let sunsetId;
let figsId;

async function call(session, method, path, body) {
  const r = await api(base, method, path, { body, cookie: session.cookie, csrf: session.csrf, origin: base });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const W = () => `/api/v1/workspaces/${hotel.id}`;

// Wait until the server's answer at path satisfies fn (the UI saves in the background).
async function until(path, fn, what) {
  const end = Date.now() + 8000;
  let v;
  while (Date.now() < end) {
    v = await apiGet(base, arben.session, path);
    if (fn(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}; the server says ${JSON.stringify(v).slice(0, 600)}`);
}

const item = (id) => page.locator(`[data-testid=media-item][data-id="${id}"]`);

before(async () => {
  server = await startServer({ demo: true });
  base = server.url;
  browser = await openBrowser();
  arben = await apiSession(base, ARBEN);
  hotel = arben.byName[HOTEL];
  const have = (await apiGet(base, arben.session, `${W()}/channels`)).channels;
  for (const net of NETS) {
    const c = have.find((x) => x.network === net);
    chan[net] = c ? c.id : (await call(arben.session, 'POST', `${W()}/channels`, {
      network: net, name: HOTEL, handle: '@gurikuq', slots: [{ day: 1, time: '09:00' }],
    })).channel.id;
  }
  ({ page, problems } = await newPage(browser, base));
  await signIn(page, base, MIRA);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('library: an empty library says what to do; an uploaded picture shows with its size in pixels', async () => {
  await page.goto(`${base}/#/ws/${hotel.id}/dashboard`);
  await page.waitForFunction((name) => document.querySelector('[data-testid=ws-current]')?.textContent === name, HOTEL);
  await page.getByTestId('nav-library').click();
  await waitHash(page, `#/ws/${hotel.id}/library`);
  await page.getByTestId('page-library').waitFor();
  assert.equal(await page.locator('[data-testid=empty-state] h2').textContent(), en['library.empty_title']);
  await page.getByTestId('empty-upload').waitFor();

  await page.getByTestId('library-file').setInputFiles({ name: 'terrace-sunset.png', mimeType: 'image/png', buffer: SUNSET });
  const card = page.getByTestId('media-item').first();
  await card.waitFor();
  sunsetId = Number(await card.getAttribute('data-id'));
  assert.ok(sunsetId > 0);
  assert.equal(await card.getAttribute('data-type'), 'image');
  assert.equal(await card.getByTestId('media-dims').textContent(), '640 × 400');
  assert.equal(await card.getByTestId('media-kind').textContent(), 'PNG image');
  assert.match(await card.getByTestId('media-size').textContent(), /^[\d.,]+ kB$/);
  assert.equal((await card.getByTestId('media-usage').textContent()).trim(), en['library.unused']);
  assert.equal(await card.locator('.media-name').textContent(), 'terrace-sunset.png');
  // The thumbnail is the file itself, same origin, allowed by the CSP.
  const img = card.locator('img.thumb');
  assert.equal(await img.getAttribute('src'), `/api/v1/workspaces/${hotel.id}/media/${sunsetId}/file`);
  await page.waitForFunction((id) => {
    const i = document.querySelector(`[data-testid=media-item][data-id="${id}"] img.thumb`);
    return i && i.complete && i.naturalWidth === 640;
  }, sunsetId);
  // No alt text yet: the card says so.
  await card.getByTestId('media-alt-missing').waitFor();
  await page.getByTestId('toast').filter({ hasText: 'terrace-sunset.png' }).first().waitFor();

  const m = (await apiGet(base, arben.session, `${W()}/media/${sunsetId}`)).media;
  assert.equal(m.width, 640);
  assert.equal(m.height, 400);
  assert.equal(m.format, 'png');
});

test('library: alt text is written in place and saved', async () => {
  const alt = 'The hotel terrace at sunset, the sea below and the sun low over the bay.';
  await item(sunsetId).getByTestId('media-alt').fill(alt);
  await item(sunsetId).getByTestId('media-alt-save').click();
  await page.getByTestId('toast').filter({ hasText: en['library.alt_saved'] }).first().waitFor();
  await until(`${W()}/media/${sunsetId}`, (r) => r.media.alt_text === alt, 'the alt text is saved');
  assert.equal(await item(sunsetId).getByTestId('media-alt-missing').count(), 0);
  assert.equal(await item(sunsetId).getByTestId('media-alt-save').count(), 0, 'nothing left to save');
  assert.equal(await item(sunsetId).locator('img.thumb').getAttribute('alt'), alt);

  // Tags, edited in place, filter the library through the address.
  await item(sunsetId).getByTestId('media-tags-edit').click();
  await item(sunsetId).getByTestId('media-tags-input').fill('terrace, summer');
  await item(sunsetId).getByTestId('media-tags-save').click();
  await until(`${W()}/media/${sunsetId}`, (r) => r.media.tags.join() === 'terrace,summer', 'the tags are saved');
  await item(sunsetId).getByTestId('media-tag').first().waitFor();
});

test('library: a text file renamed .png is refused with the translated reason, in English and in Albanian', async () => {
  await page.getByTestId('library-file').setInputFiles({ name: 'menu.png', mimeType: 'image/png', buffer: NOT_AN_IMAGE });
  const err = page.getByTestId('upload-error');
  await err.waitFor();
  assert.equal(await err.textContent(), en['errors.media.type']);
  assert.equal(await err.getAttribute('data-code'), 'media.type');
  await page.getByTestId('upload-dismiss').click();
  assert.equal(await page.getByTestId('upload-error').count(), 0);

  await page.getByTestId('lang-sq').click();
  await page.waitForFunction(() => document.documentElement.lang === 'sq');
  await page.getByTestId('library-file').setInputFiles({ name: 'menyja.png', mimeType: 'image/png', buffer: NOT_AN_IMAGE });
  await err.waitFor();
  assert.equal(await err.textContent(), sq['errors.media.type']);
  assert.equal(await item(sunsetId).getByTestId('media-kind').textContent(), 'Imazh PNG');
  await page.getByTestId('upload-dismiss').click();
  await page.getByTestId('lang-en').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');

  // Nothing was kept.
  const list = (await apiGet(base, arben.session, `${W()}/media`)).media;
  assert.deepEqual(list.map((x) => x.id), [sunsetId]);
});

test('library: a second picture dropped on the page, and filters by type and tag in the address', async () => {
  // Drag a file over the page (it offers to take it), then drop it.
  const dt = await page.evaluateHandle((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const d = new DataTransfer();
    d.items.add(new File([bytes], 'figs.png', { type: 'image/png' }));
    return d;
  }, FIGS.toString('base64'));
  await page.dispatchEvent('[data-testid=page-library]', 'dragenter', { dataTransfer: dt });
  await page.locator('.drop-overlay').waitFor();
  await page.dispatchEvent('[data-testid=page-library]', 'drop', { dataTransfer: dt });
  await page.locator('.drop-overlay').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=media-item]').length === 2);
  figsId = Number(await page.getByTestId('media-item').first().getAttribute('data-id'));
  assert.notEqual(figsId, sunsetId);
  assert.equal(await item(figsId).getByTestId('media-dims').textContent(), '300 × 300');

  await page.getByTestId('filter-video').click();
  await waitHash(page, `#/ws/${hotel.id}/library?type=video`);
  await page.getByTestId('library-none').waitFor();
  assert.equal(await page.locator('[data-testid=library-none] h2').textContent(), en['library.none_type_title_video']);
  await page.getByTestId('filter-image').click();
  await waitHash(page, `#/ws/${hotel.id}/library?type=image`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=media-item]').length === 2);
  assert.equal(await page.getByTestId('filter-image').getAttribute('aria-current'), 'true');
  // A bookmark with a tag shows only what carries it.
  await page.goto(`${base}/#/ws/${hotel.id}/library?tag=terrace`);
  await page.getByTestId('filter-tag').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=media-item]').length === 1);
  assert.equal(Number(await page.getByTestId('media-item').getAttribute('data-id')), sunsetId);
  assert.equal(await page.getByTestId('filter-all').getAttribute('href'), `#/ws/${hotel.id}/library?tag=terrace`, 'the type chips keep the tag');
  await page.getByTestId('filter-tag').click(); // the tag chip takes the tag away
  await waitHash(page, `#/ws/${hotel.id}/library`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=media-item]').length === 2);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=media-item] img.thumb')].every((i) => i.complete && i.naturalWidth > 0));
  await shot(page, 'library');
});

test('compose: the picker adds the picture to the post; the previews show it', async () => {
  await page.getByTestId('nav-compose').click();
  await page.getByTestId('page-compose').waitFor();
  await page.getByTestId('compose-title').fill('Sunset on the terrace');
  await page.getByTestId('compose-text').fill('Golden hour on our terrace tonight. Come early for the best table by the sea.');
  for (const net of NETS) await page.getByTestId('channel-' + chan[net]).check();
  await page.waitForFunction((ws) => new RegExp(`^#/ws/${ws}/posts/\\d+$`).test(location.hash), hotel.id);
  const postId = Number(/posts\/(\d+)/.exec(await page.evaluate(() => location.hash))[1]);
  const postPath = `${W()}/posts/${postId}`;
  assert.equal(await page.getByTestId('compose-media-item').count(), 0);

  await page.getByTestId('compose-add-media').click();
  const picker = page.getByTestId('media-picker');
  await picker.waitFor();
  await picker.locator(`[data-testid=picker-item][data-id="${sunsetId}"]`).click();
  assert.equal(await picker.locator(`[data-testid=picker-item][data-id="${sunsetId}"]`).getAttribute('aria-pressed'), 'true');
  await picker.getByTestId('picker-done').click();
  await picker.waitFor({ state: 'detached' });

  const strip = page.locator(`[data-testid=compose-media-item][data-id="${sunsetId}"]`);
  await strip.waitFor();
  assert.match(await strip.getByTestId('compose-media-alt').textContent(), /terrace at sunset/);
  assert.equal(await page.getByTestId('compose-alt-warning').count(), 0);
  // A text post that gets a picture becomes an image post.
  assert.equal(await page.getByTestId('compose-type').inputValue(), 'image');
  let post = (await until(postPath, (r) => r.post.media.length === 1, 'the post holds the picture')).post;
  assert.deepEqual(post.media, [sunsetId]);
  assert.equal(post.media_items[0].id, sunsetId);
  assert.equal(post.content_type, 'image');

  // Every network's preview shows the picture, not a grey tile.
  for (const net of NETS) {
    const pv = page.locator(`[data-testid=preview][data-network=${net}]`);
    const img = pv.getByTestId('preview-image');
    await img.waitFor();
    assert.equal(await img.getAttribute('src'), `/api/v1/workspaces/${hotel.id}/media/${sunsetId}/file`);
    assert.match(await img.getAttribute('alt'), /terrace at sunset/);
  }
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=preview-image]')].every((i) => i.complete && i.naturalWidth > 0));

  // A second picture without alt text: flagged in the list and in the Bluesky preview.
  await page.getByTestId('compose-add-media').click();
  await picker.waitFor();
  await picker.locator(`[data-testid=picker-item][data-id="${figsId}"]`).click();
  assert.equal(await picker.getByTestId('picker-count').textContent(), en['picker.count'].replace('{n}', '2'));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=picker-item] img')].every((i) => i.complete && i.naturalWidth > 0));
  await shot(page, 'media-picker', { full: false });
  await picker.getByTestId('picker-done').click();
  await picker.waitFor({ state: 'detached' });
  await page.locator(`[data-testid=compose-media-item][data-id="${figsId}"] [data-testid=compose-alt-warning]`).waitFor();
  assert.equal(await page.getByTestId('compose-alt-warning').textContent(), en['compose.media_no_alt_bluesky']);
  await page.locator('[data-testid=preview][data-network=bluesky] [data-testid=preview-alt-warning]').waitFor();
  assert.equal(await page.locator('[data-testid=preview][data-network=instagram] [data-testid=preview-alt-warning]').count(), 0);
  post = (await until(postPath, (r) => r.post.media.length === 2, 'the post holds both pictures')).post;
  assert.deepEqual(post.media, [sunsetId, figsId]);
  await page.getByTestId('save-state').filter({ hasText: /Saved/ }).waitFor();
  await shot(page, 'compose-media');

  // Reorder: the figs first, and the previews follow.
  await page.locator(`[data-testid=compose-media-item][data-id="${figsId}"] [data-testid=compose-media-earlier]`).click();
  post = (await until(postPath, (r) => r.post.media[0] === figsId, 'the new order is saved')).post;
  assert.deepEqual(post.media, [figsId, sunsetId]);
  await page.locator(`[data-testid=preview][data-network=instagram] [data-testid=preview-media][data-media="${figsId}"]`).waitFor();

  // Remove the figs again: the post holds the sunset alone.
  await page.locator(`[data-testid=compose-media-item][data-id="${figsId}"] [data-testid=compose-media-remove]`).click();
  post = (await until(postPath, (r) => r.post.media.length === 1, 'the figs are removed')).post;
  assert.deepEqual(post.media, [sunsetId]);
  assert.equal(await page.getByTestId('compose-alt-warning').count(), 0);

  // After a reload, the post still shows its picture.
  await page.reload();
  await page.locator(`[data-testid=compose-media-item][data-id="${sunsetId}"]`).waitFor();
  await page.locator('[data-testid=preview][data-network=instagram] [data-testid=preview-image]').waitFor();
});

test('library: a picture a post uses cannot be deleted (translated reason); an unused one can', async () => {
  await page.goto(`${base}/#/ws/${hotel.id}/library`);
  await item(sunsetId).waitFor();
  assert.match(await item(sunsetId).getByTestId('media-usage').textContent(), /Used in 1 post\b/);
  await item(sunsetId).getByTestId('media-delete').click();
  await page.getByTestId('confirm-dialog').waitFor();
  await page.getByTestId('confirm-ok').click();
  const err = page.getByTestId('confirm-error');
  await err.waitFor();
  assert.equal(await err.textContent(), en['errors.media.in_use']);
  await page.getByTestId('confirm-cancel').click();

  await item(figsId).getByTestId('media-delete').click();
  await page.getByTestId('confirm-ok').click();
  await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
  await item(figsId).waitFor({ state: 'detached' });
  const list = (await apiGet(base, arben.session, `${W()}/media`)).media;
  assert.deepEqual(list.map((x) => x.id), [sunsetId]);
  assert.deepEqual(problems, []);
});
