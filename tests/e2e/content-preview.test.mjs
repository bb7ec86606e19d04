// Browser: how the composer draws the server's counts and problems, whatever
// this build's text engine says. The answers about posts are rewritten in the
// browser with known values (a UTF-16 range that starts after an emoji, a
// hashtag cap, a variant without any count), and the previews must show
// exactly those, in English and in Albanian.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { openBrowser, newPage, signIn, apiSession, api, CATALOG, HOTEL } from './browser.mjs';

const MIRA = 'mira@studiodrita.al';
// 🌅 is one grapheme but two UTF-16 units: the range past the limit starts later in JavaScript's string.
const HEAD = 'Mëngjes 🌅 në Dhërmi, kafe në tarracë dhe deti i qetë. ';
const TAGS = ' #Dhërmi #Albania #GuriIKuq #Summer #Sea #Travel #Hotel';
const TEXT = (HEAD + 'Rezervo verën tënde te Guri i Kuq, me mëngjes nga kopshti ynë. '.repeat(6)).slice(0, 310) + TAGS;

let server;
let browser;
let page;
let problems;
let base;
let postId;
let hotel;
let saves = 0;

const seg = new Intl.Segmenter('en', { granularity: 'grapheme' });
const graphemes = (s) => [...seg.segment(s)].map((x) => x.segment);
// UTF-16 offset of grapheme k.
const offsetOf = (s, k) => graphemes(s).slice(0, k).join('').length;
const expected = {}; // network -> the problems the browser is told about

// What a full text engine would answer, in the shape of docs/api.md.
function rewrite(post) {
  for (const v of post.variants || []) {
    const s = v.effective_text;
    const g = graphemes(s).length;
    const net = v.channel.network;
    if (net === 'bluesky') {
      v.count = { length: g, limit: 300, valid: g <= 300, bytes: Buffer.byteLength(s), graphemes: g };
      v.problems = g > 300 ? [{ code: 'text.too_long', start: offsetOf(s, 300), end: s.length, value: g, limit: 300 }] : [];
    } else if (net === 'instagram') {
      const tags = (s.match(/(^|\s)#\S+/g) || []).length;
      v.count = { length: g, limit: 2200, valid: tags <= 5, bytes: Buffer.byteLength(s), graphemes: g };
      const at = s.indexOf(' #');
      v.problems = tags > 5 ? [{ code: 'text.too_many_hashtags', start: at + 1, end: s.length, value: tags, limit: 5 }] : [];
    } else {
      delete v.count; // an older server: no count, no problems
      delete v.problems;
    }
    expected[net] = v.problems;
  }
}

before(async () => {
  server = await startServer({ demo: true });
  base = server.url;
  browser = await openBrowser();
  ({ page, problems } = await newPage(browser, base));
  const mira = await apiSession(base, MIRA);
  hotel = mira.byName[HOTEL];
  const chans = (await api(base, 'GET', `/api/v1/workspaces/${hotel.id}/channels`, { cookie: mira.session.cookie })).body.channels;
  const ids = ['bluesky', 'instagram', 'facebook'].map((n) => chans.find((c) => c.network === n)).filter(Boolean).map((c) => c.id);
  const r = await api(base, 'POST', `/api/v1/workspaces/${hotel.id}/posts`, {
    body: { title: 'Counting test', master_text: TEXT, channel_ids: ids },
    cookie: mira.session.cookie, csrf: mira.session.csrf, origin: base,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  postId = r.body.post.id;
  await page.route((url) => /\/api\/v1\/workspaces\/\d+\/posts(\/|$)/.test(url.pathname), async (route) => {
    const res = await route.fetch();
    const body = await res.json().catch(() => null);
    if (route.request().method() !== 'GET') saves++;
    if (body && body.post) rewrite(body.post);
    await route.fulfill(body ? { response: res, json: body } : { response: res });
  });
  await signIn(page, base, MIRA);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

const preview = (net) => page.locator(`[data-testid=preview][data-network=${net}]`);

test('the count the network sees, in red when over, and each problem underlined over its UTF-16 range', async () => {
  await page.goto(`${base}/#/ws/${hotel.id}/posts/${postId}`);
  await page.locator('[data-testid=preview][data-sync=saved]').first().waitFor();
  const g = graphemes(TEXT).length;
  assert.ok(g > 300 && TEXT.length > g, 'the text is over 300 graphemes and has more UTF-16 units than graphemes');

  const bsky = preview('bluesky');
  assert.equal((await bsky.getByTestId('preview-count').textContent()).trim(), `${g} / 300`);
  assert.equal(await bsky.getByTestId('preview-count').getAttribute('data-state'), 'over');
  assert.equal(await bsky.locator('mark.pv-problem').textContent(), TEXT.slice(expected.bluesky[0].start));
  assert.equal((await bsky.getByTestId('preview-problem').textContent()).trim(),
    `Too long for Bluesky: ${g} characters, the limit is 300.`);

  const ig = preview('instagram');
  assert.equal((await ig.getByTestId('preview-count').textContent()).trim(), `${g} / 2,200`);
  assert.equal(await ig.getByTestId('preview-count').getAttribute('data-state'), 'ok', 'within the length: not red');
  assert.equal(await ig.locator('mark.pv-problem').textContent(), TAGS.slice(1));
  assert.equal(await ig.locator('mark.pv-problem').getAttribute('data-code'), 'text.too_many_hashtags');
  assert.equal((await ig.getByTestId('preview-problem').textContent()).trim(), 'Too many hashtags: 7, Instagram allows 5.');
  assert.match(await ig.getAttribute('class'), /pv-bad/);

  // A variant the server did not count shows its text and no count.
  const fb = preview('facebook');
  if (await fb.count()) {
    assert.equal(await fb.getByTestId('preview-count').count(), 0);
    assert.equal(await fb.getByTestId('preview-problem').count(), 0);
    assert.equal(await fb.getByTestId('preview-text').textContent(), TEXT);
  }
  // Scheduling is refused while problems remain: the composer says so.
  assert.equal(await page.getByTestId('action-schedule').count(), 0, 'a draft is submitted, not scheduled, by a content manager');
});

test('typing marks the previews as waiting; the next answer counts again', async () => {
  const before = saves;
  await page.getByTestId('compose-text').press('End');
  await page.getByTestId('compose-text').type(' #Extra');
  assert.equal(await preview('bluesky').getAttribute('data-sync'), 'pending');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=preview]')].every((e) => e.dataset.sync === 'saved'));
  assert.ok(saves > before, 'the change was saved');
  assert.equal((await preview('instagram').getByTestId('preview-problem').textContent()).trim(), 'Too many hashtags: 8, Instagram allows 5.');
});

test('the reasons are translated, with the numbers written the Albanian way', async () => {
  await page.getByTestId('lang-sq').click();
  await page.waitForFunction(() => document.documentElement.lang === 'sq');
  const sq = CATALOG.sq;
  const g = graphemes(TEXT + ' #Extra').length;
  assert.equal((await preview('bluesky').getByTestId('preview-problem').textContent()).trim(),
    sq['problems.text.too_long'].replace('{network}', 'Bluesky').replace('{value}', String(g)).replace('{limit}', '300'));
  assert.equal((await preview('instagram').getByTestId('preview-count').textContent()).replace(/\s/g, ' ').trim(), `${g} / 2 200`);
  await page.getByTestId('lang-en').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
});

test('no CSP violation, script error or server error happened', () => {
  assert.deepEqual(problems, []);
});
