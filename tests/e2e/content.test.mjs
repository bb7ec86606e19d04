// Browser: the content studio — a content manager (Mira) composes one post
// for three networks, sees the Bluesky variant over its limit (the server's
// count in red, the problem underlined with its reason), fixes it with a text
// of its own and submits it; the client (Ana) approves it from her approval
// queue; the strategist (Arben) schedules it for next month at 09:00, finds
// it on the calendar, drags it to another day (the time stays 09:00) and
// moves another post with the keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { openBrowser, newPage, shot, signIn, apiSession, apiGet, api, CATALOG, HOTEL } from './browser.mjs';

const MIRA = 'mira@studiodrita.al';
const ANA = 'ana@gurikuq.al';
const ARBEN = 'arben@studiodrita.al';
const NETS = ['instagram', 'facebook', 'bluesky'];
const en = CATALOG.en;

// 320 characters, no hashtags or links: over Bluesky's 300, fine elsewhere.
const LONG = ('Spring at Guri i Kuq: the terrace opens again on the first warm weekend. Breakfast with figs from our garden, '
  + 'a swim before the beach fills up, and long dinners with fresh fish and local wine while the sun goes down over the bay. '
  + 'Sea-view rooms are open from April, and families get the fourth night free. Book early and see you soon on the coast!').slice(0, 320);
const SHORT = 'Spring at Guri i Kuq: the terrace opens again. Breakfast with figs from our garden,\ndinners with fresh fish at sunset. '
  + 'Sea-view rooms from April; families get the fourth night free.';

let server;
let browser;
let base;
let hotel;
let arben; // API session
const chan = {}; // network -> channel id
const pages = [];
let postId;
let day; // the 15th of next month, Tirana time
let day2; // two days later

function tiranaToday() {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Tirane', year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date()).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}
function plusDays(s, n) {
  const d = new Date(s + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function call(session, method, path, body) {
  const r = await api(base, method, path, { body, cookie: session.cookie, csrf: session.csrf, origin: base });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const getPost = async (id) => (await apiGet(base, arben.session, `/api/v1/workspaces/${hotel.id}/posts/${id}`)).post;

async function open(email, opts) {
  const p = await newPage(browser, base, opts);
  pages.push(p);
  if (email) await signIn(p.page, base, email);
  return p;
}

// Wait until the server's post satisfies fn (the UI saves in the background).
async function until(id, fn, what) {
  const end = Date.now() + 8000;
  let p;
  while (Date.now() < end) {
    p = await getPost(id);
    if (fn(p)) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}; the post is ${JSON.stringify(p).slice(0, 600)}`);
}

before(async () => {
  server = await startServer({ demo: true });
  base = server.url;
  browser = await openBrowser();
  arben = await apiSession(base, ARBEN);
  hotel = arben.byName[HOTEL];
  // The demo hotel has these networks; make any that is missing.
  const have = (await apiGet(base, arben.session, `/api/v1/workspaces/${hotel.id}/channels`)).channels;
  for (const net of NETS) {
    const c = have.find((x) => x.network === net);
    chan[net] = c ? c.id : (await call(arben.session, 'POST', `/api/v1/workspaces/${hotel.id}/channels`, {
      network: net, name: 'Hotel Guri i Kuq', handle: '@gurikuq', slots: [{ day: 1, time: '09:00' }],
    })).channel.id;
  }
  const today = tiranaToday();
  const first = new Date(today.slice(0, 8) + '01T00:00:00Z');
  first.setUTCMonth(first.getUTCMonth() + 1);
  day = plusDays(first.toISOString().slice(0, 10), 14);
  day2 = plusDays(day, 2);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('compose: a post for three networks saves itself and shows a preview per network', async () => {
  const { page } = await open(MIRA);
  await page.goto(`${base}/#/ws/${hotel.id}/compose`);
  await page.getByTestId('page-compose').waitFor();
  assert.equal(await page.getByTestId('nav-compose').getAttribute('aria-current'), 'page');
  await page.getByTestId('previews-empty').waitFor();
  await page.getByTestId('compose-title').fill('Spring terrace');
  await page.getByTestId('compose-text').fill(LONG);
  await page.getByTestId('compose-tags').fill('spring, rooms');
  for (const net of NETS) await page.getByTestId('channel-' + chan[net]).check();

  // The first save creates the post; the address names it from then on.
  await page.waitForFunction((ws) => new RegExp(`^#/ws/${ws}/posts/\\d+$`).test(location.hash), hotel.id);
  postId = Number(/posts\/(\d+)/.exec(await page.evaluate(() => location.hash))[1]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=preview][data-sync=saved]').length === 3);
  await page.getByTestId('save-state').filter({ hasText: /Saved/ }).waitFor();

  const shown = await page.$$eval('[data-testid=preview]', (els) => els.map((e) => e.dataset.network).sort());
  assert.deepEqual(shown, [...NETS].sort());
  for (const net of NETS) {
    const text = await page.locator(`[data-testid=preview][data-network=${net}] [data-testid=preview-text]`).textContent();
    assert.equal(text, LONG, `the ${net} preview shows the master text`);
  }
  const p = await until(postId, (x) => x.variants.length === 3 && x.master_text === LONG, 'the draft is saved with three variants');
  assert.equal(p.state, 'draft');
  assert.equal(p.title, 'Spring terrace');
  assert.deepEqual(p.tags, ['spring', 'rooms']);
  assert.deepEqual(p.variants.map((v) => v.channel.network).sort(), [...NETS].sort());
  // A content manager submits but does not approve.
  assert.equal(await page.getByTestId('action-submit').count(), 1);
  assert.equal(await page.getByTestId('action-approve').count(), 0);
  await shot(page, 'compose');
});

test('the Bluesky variant over its limit: the count in red and the problem underlined with its reason', async () => {
  const page = pages[0].page;
  const p = await getPost(postId);
  const v = p.variants.find((x) => x.channel.network === 'bluesky');
  assert.ok(v.count && Array.isArray(v.problems) && v.problems.length > 0,
    'The server answered the Bluesky variant without its count and problems '
    + `(variant keys: ${Object.keys(v).join(', ')}; count: ${JSON.stringify(v.count)}; problems: ${JSON.stringify(v.problems)}). `
    + 'This build lacks the text engine. Expected count {length: 320, limit: 300, valid: false} and the problem '
    + '{code: "text.too_long", start: 300, end: 320, value: 320, limit: 300}; the preview then shows "320 / 300" in red '
    + 'and underlines the text past character 300 with "Too long for Bluesky: 320 characters, the limit is 300."');
  assert.equal(v.count.length, 320);
  assert.equal(v.count.limit, 300);

  const bsky = page.locator('[data-testid=preview][data-network=bluesky]');
  const count = bsky.getByTestId('preview-count');
  assert.equal((await count.textContent()).trim(), '320 / 300');
  assert.equal(await count.getAttribute('data-state'), 'over');
  assert.equal(await count.evaluate((e) => getComputedStyle(e).color), 'rgb(180, 35, 24)', 'the count is red');
  const problem = bsky.locator('[data-testid=preview-problem][data-code="text.too_long"]');
  assert.equal((await problem.textContent()).trim(),
    en['problems.text.too_long'].replace('{network}', 'Bluesky').replace('{value}', '320').replace('{limit}', '300'));
  const mark = bsky.locator('mark.pv-problem');
  assert.equal(await mark.count(), 1);
  assert.equal(await mark.textContent(), LONG.slice(300), 'the part past the limit is underlined');
  assert.match(await mark.getAttribute('title'), /Bluesky/);
  // Instagram and Facebook take the whole text.
  for (const net of ['instagram', 'facebook']) {
    const other = page.locator(`[data-testid=preview][data-network=${net}]`);
    assert.equal(await other.getByTestId('preview-count').getAttribute('data-state'), 'ok');
    assert.equal(await other.getByTestId('preview-problem').count(), 0);
  }
  await bsky.scrollIntoViewIfNeeded();
  await shot(page, 'compose-over-limit', { full: false });
});

test('a text of its own for Bluesky fixes it; the other networks keep the master text', async () => {
  const page = pages[0].page;
  const bsky = page.locator('[data-testid=preview][data-network=bluesky]');
  await bsky.getByTestId('override-edit').click();
  await bsky.getByTestId('override-text').fill(SHORT);
  await page.waitForFunction((want) => {
    const el = document.querySelector('[data-testid=preview][data-network=bluesky]');
    return el && el.dataset.sync === 'saved' && el.querySelector('[data-testid=preview-text]').textContent === want;
  }, SHORT);
  const p = await until(postId, (x) => x.variants.find((v) => v.channel.network === 'bluesky').text === SHORT, 'the override is saved');
  const v = p.variants.find((x) => x.channel.network === 'bluesky');
  assert.equal(v.effective_text, SHORT);
  for (const o of p.variants.filter((x) => x.channel.network !== 'bluesky')) assert.equal(o.text, null);
  await bsky.getByTestId('preview-overridden').waitFor();
  assert.equal(await bsky.getByTestId('preview-problem').count(), 0);
  assert.equal(await bsky.locator('mark.pv-problem').count(), 0);
  if (v.count) {
    assert.deepEqual(v.problems, []);
    assert.equal((await bsky.getByTestId('preview-count').textContent()).trim(), `${[...SHORT].length} / 300`);
    assert.equal(await bsky.getByTestId('preview-count').getAttribute('data-state'), 'ok');
  }
  // The line break shows as a line break.
  assert.equal(await bsky.getByTestId('preview-text').evaluate((e) => getComputedStyle(e.parentElement).whiteSpace), 'pre-wrap');
});

test('the content manager submits it for review with a note', async () => {
  const page = pages[0].page;
  await page.getByTestId('action-submit').click();
  await page.getByTestId('submit-dialog').waitFor();
  await page.getByTestId('submit-note').fill('Ready for Ana');
  await page.getByTestId('submit-confirm').click();
  await page.locator('[data-testid=page-compose][data-state=in_review]').waitFor();
  await page.locator('[data-testid=comment][data-kind=submit]').waitFor();
  assert.equal(await page.getByTestId('comment-body').first().textContent(), 'Ready for Ana');
  assert.equal(await page.getByTestId('action-submit').count(), 0);
  const p = await getPost(postId);
  assert.equal(p.state, 'in_review');
  assert.deepEqual(p.comments.map((c) => [c.kind, c.author, c.body]), [['submit', 'Mira Leka', 'Ready for Ana']]);
});

test('the client approver lands on what waits for her and approves it', async () => {
  const ana = await apiSession(base, ANA);
  const { page } = await open(ANA);
  const cat = CATALOG[ana.me.user.language || 'en'];
  // The dashboard says what waits, and leads to the queue.
  await page.getByTestId('dash-approvals').waitFor();
  await page.getByTestId('dash-approvals-open').click();
  await page.getByTestId('page-approvals').waitFor();
  assert.equal(await page.getByTestId('nav-calendar').getAttribute('aria-current'), 'page');
  const item = page.locator(`[data-testid=approval-item][data-id="${postId}"]`);
  await item.waitFor();
  assert.equal(await item.locator('.net').count(), 3);
  assert.match(await item.getByTestId('approval-note').textContent(), /Mira Leka.*Ready for Ana/);
  const waiting = (await apiGet(base, ana.session, `/api/v1/workspaces/${hotel.id}/posts?state=in_review`)).posts.length;
  assert.equal(await page.getByTestId('approval-item').count(), waiting);
  await shot(page, 'approvals');

  // Request changes needs a comment: the dialog says so, then closes unsent.
  await item.getByTestId('approval-changes').click();
  await page.getByTestId('changes-dialog').waitFor();
  await page.getByTestId('changes-submit').click();
  assert.equal(await page.getByTestId('changes-error').textContent(), cat['approvals.comment_required']);
  await page.keyboard.press('Escape');
  await page.getByTestId('changes-dialog').waitFor({ state: 'detached' });

  await item.getByTestId('approval-approve').click();
  await item.waitFor({ state: 'detached' });
  const p = await getPost(postId);
  assert.equal(p.state, 'approved');
  assert.deepEqual(p.comments.at(-1).kind, 'approve');
  assert.equal(p.comments.at(-1).author, 'Ana Marku');
});

test('the strategist schedules it for next month at 09:00 and finds it on the calendar', async () => {
  const { page } = await open(ARBEN);
  await page.goto(`${base}/#/ws/${hotel.id}/posts/${postId}`);
  await page.locator('[data-testid=page-compose][data-state=approved]').waitFor();
  await page.getByTestId('action-schedule').click();
  await page.getByTestId('schedule-dialog').waitFor();
  await page.getByTestId('schedule-slot').filter({ hasText: /\d\d:\d\d/ }).waitFor(); // the queue's next slot is shown
  await page.getByTestId('schedule-date').fill(day);
  await page.getByTestId('schedule-time').fill('09:00');
  await page.getByTestId('schedule-submit').click();
  await page.locator('[data-testid=page-compose][data-state=scheduled]').waitFor();
  const p = await getPost(postId);
  assert.equal(p.state, 'scheduled');
  assert.deepEqual(p.schedule, { local: `${day}T09:00`, timezone: 'Europe/Tirane' });

  await page.getByTestId('see-calendar').click();
  await page.getByTestId('page-calendar').waitFor();
  assert.match(await page.evaluate(() => location.hash), new RegExp(`/calendar\\?view=month&date=${day}$`));
  const card = page.locator(`[data-testid=cal-day][data-date="${day}"] [data-testid=cal-card][data-id="${postId}"]`);
  await card.waitFor();
  assert.equal(await card.getAttribute('data-local'), `${day}T09:00`);
  assert.match(await card.getAttribute('class'), /tint-(instagram|facebook|bluesky)/);
  assert.equal(await card.locator('.net').count(), 3);
  await shot(page, 'calendar-month');
});

test('dragging the card to another day keeps its local time', async () => {
  const page = pages.at(-1).page;
  const card = page.locator(`[data-testid=cal-card][data-id="${postId}"]`);
  await card.dragTo(page.locator(`[data-testid=cal-day][data-date="${day2}"]`));
  const p = await until(postId, (x) => x.state === 'scheduled' && x.schedule && x.schedule.local.startsWith(day2), `the post moved to ${day2}`);
  assert.deepEqual(p.schedule, { local: `${day2}T09:00`, timezone: 'Europe/Tirane' });
  await page.locator(`[data-testid=cal-day][data-date="${day2}"] [data-testid=cal-card][data-id="${postId}"]`).waitFor();
  await page.getByTestId('toast-action').first().waitFor(); // Undo is offered
});

test('the Move button moves a post with the keyboard, in the week view', async () => {
  const page = pages.at(-1).page;
  const scheduled = (await apiGet(base, arben.session, `/api/v1/workspaces/${hotel.id}/posts?state=scheduled`)).posts;
  const other = scheduled.find((x) => x.id !== postId && !x.recurring);
  assert.ok(other, 'the demo has another scheduled post');
  const from = other.schedule.local;
  const to = plusDays(from.slice(0, 10), 1);
  await page.goto(`${base}/#/ws/${hotel.id}/calendar?view=week&date=${from.slice(0, 10)}`);
  await page.locator('[data-testid=page-calendar][data-view=week]').waitFor();
  const card = page.locator(`[data-testid=cal-card][data-id="${other.id}"]`);
  await card.waitFor();
  await shot(page, 'calendar-week');
  await card.getByTestId('cal-move').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('move-dialog').waitFor();
  await page.getByTestId('move-date').fill(to);
  await page.keyboard.press('Enter');
  const p = await until(other.id, (x) => x.schedule && x.schedule.local.startsWith(to), `the post moved to ${to}`);
  assert.equal(p.schedule.local, to + from.slice(10), 'the time is kept');
});

test('calendar filters live in the address; an empty month says what to do', async () => {
  const page = pages.at(-1).page;
  await page.goto(`${base}/#/ws/${hotel.id}/calendar?view=month&date=2031-02-01`);
  await page.getByTestId('calendar-empty').waitFor();
  assert.equal(await page.getByTestId('cal-title').textContent(), CATALOG[await page.evaluate(() => document.documentElement.lang)]['date.months'].split(',')[1] + ' 2031');
  await page.getByTestId('cal-channel').selectOption(String(chan.bluesky));
  await page.waitForFunction((id) => location.hash.includes('channel=' + id), chan.bluesky);
  assert.match(await page.evaluate(() => location.hash), /view=month&date=2031-02-01&channel=\d+/);
  await page.getByTestId('cal-next').click();
  await page.waitForFunction(() => location.hash.includes('date=2031-03-01'));
  assert.match(await page.evaluate(() => location.hash), /channel=\d+/, 'the filter stays when the month changes');
});

test('at phone width compose and the calendar fit the screen', async () => {
  const { page } = await open(MIRA, { viewport: { width: 390, height: 844 } });
  for (const path of [`posts/${postId}`, `calendar?view=month&date=${day2}`]) {
    await page.goto(`${base}/#/ws/${hotel.id}/${path}`);
    await page.getByTestId(path.startsWith('posts') ? 'previews' : 'cal-grid').waitFor();
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.sidebar, .table-wrap, .tabs'))
      .map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''}`));
    assert.deepEqual(wide, [], `nothing sticks out sideways on ${path}`);
  }
  await shot(page, 'phone-calendar');
});

test('no CSP violation, script error or server error happened', () => {
  assert.deepEqual(pages.flatMap((p) => p.problems), []);
});
