// Browser: what each role sees — a client approver (Ana) and a community
// manager (Dritan) get only their pages and a read-only team and settings;
// the keyboard alone signs in; at phone width the navigation collapses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { openBrowser, newPage, shot, signIn, navIds, apiSession, apiGet, CATALOG, HOTEL, BAKERY, DEMO_PASSWORD } from './browser.mjs';

let server;
let browser;
let base;
const pages = [];

before(async () => {
  server = await startServer({ demo: true });
  base = server.url;
  browser = await openBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// What makes the page wider than the phone: the document's scroll width, and
// elements past the right edge outside the sideways scrollers (tables, tabs).
function overflowing(page) {
  return page.evaluate(() => {
    const out = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.sidebar, .table-wrap, .tabs'))
      .map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''}`);
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`document is ${document.documentElement.scrollWidth}px wide`);
    return out;
  });
}

async function open(opts) {
  const p = await newPage(browser, base, opts);
  pages.push(p);
  return p;
}

test('a client approver sees only the pages her role allows, and no team or settings controls', async () => {
  const ana = await apiSession(base, 'ana@gurikuq.al');
  const hotel = ana.byName[HOTEL];
  assert.deepEqual(ana.me.workspaces.map((w) => w.name), [HOTEL], 'Ana belongs to the hotel only');
  const info = await apiGet(base, ana.session, `/api/v1/workspaces/${hotel.id}`);
  assert.equal(info.role, 'client_approver');

  const { page } = await open();
  await signIn(page, base, 'ana@gurikuq.al');
  const lang = await page.evaluate(() => document.documentElement.lang);
  assert.equal(lang, ana.me.user.language || 'en', 'the UI speaks the user\'s language');
  const cat = CATALOG[lang];
  assert.deepEqual(await navIds(page), ['dashboard', 'calendar', 'analytics', 'campaigns', 'strategy', 'settings']);
  assert.equal(await page.getByTestId('dash-role').textContent(), cat['roles.client_approver']);
  await shot(page, 'approver-dashboard');

  await page.getByTestId('ws-switcher').click();
  assert.equal(await page.locator('[data-testid^="ws-option-"]').count(), 1);
  await page.keyboard.press('Escape');

  // Pages outside the role say so instead of failing.
  for (const id of ['inbox', 'compose', 'library', 'leads', 'audit']) {
    await page.goto(`${base}/#/ws/${hotel.id}/${id}`);
    await page.getByTestId('page-forbidden').waitFor();
  }
  // Another client's workspace does not exist for her.
  const bakery = (await apiSession(base, 'elira@studiodrita.al')).byName[BAKERY];
  await page.goto(`${base}/#/ws/${bakery.id}/dashboard`);
  await page.getByTestId('ws-missing').waitFor();
  assert.equal((await page.locator('[data-testid=ws-missing] p').textContent()).trim(), cat['errors.workspace.not_found']);

  // The team is read-only.
  await page.goto(`${base}/#/ws/${hotel.id}/team`);
  await page.getByTestId('member-row').first().waitFor();
  await page.getByTestId('team-readonly').waitFor();
  assert.equal(await page.getByTestId('add-form').count(), 0);
  assert.equal(await page.locator('select[data-testid^="member-role-"]').count(), 0);
  assert.equal(await page.locator('[data-testid^="member-remove-"]').count(), 0);
  assert.equal(await page.getByTestId('tokens').count(), 0);
  assert.equal(await page.getByTestId('tab-audit').count(), 0);
  const listed = (await apiGet(base, ana.session, `/api/v1/workspaces/${hotel.id}/members`)).members;
  assert.equal(await page.getByTestId('member-row').count(), listed.length);
  await page.getByTestId('role-matrix').waitFor();
  await shot(page, 'approver-team');

  // Settings: visible, not editable.
  await page.getByTestId('tab-settings').click();
  await page.getByTestId('settings-readonly').waitFor();
  assert.equal(await page.getByTestId('ws-name').inputValue(), HOTEL);
  assert.equal(await page.getByTestId('ws-name').getAttribute('readonly'), '');
  assert.equal(await page.getByTestId('ws-save').count(), 0);
  await shot(page, 'approver-settings');
});

test('a community manager has the inbox and leads but not compose, library or campaigns', async () => {
  const { page } = await open();
  await signIn(page, base, 'dritan@studiodrita.al');
  assert.deepEqual(await navIds(page), ['dashboard', 'calendar', 'inbox', 'leads', 'analytics', 'strategy', 'settings']);
  await page.getByTestId('nav-inbox').click();
  await page.getByTestId('page-inbox').waitFor();
  // "c" does nothing for a role that cannot draft.
  await page.keyboard.press('c');
  await page.waitForTimeout(200);
  assert.match(await page.evaluate(() => location.hash), /\/inbox$/);
});

test('the keyboard alone signs in and reaches the navigation', async () => {
  const { page } = await open();
  await page.goto(base + '/');
  await page.getByTestId('login-form').waitFor();
  // The email field has focus on arrival.
  await page.waitForFunction(() => document.activeElement?.dataset.testid === 'login-email');
  await page.keyboard.type('mira@studiodrita.al');
  await page.keyboard.press('Tab');
  await page.keyboard.type(DEMO_PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByTestId('page-dashboard').waitFor();
  // Tab from the top of a fresh page: the skip link first, then the navigation.
  await page.reload();
  await page.getByTestId('page-dashboard').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'nav-dashboard');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByTestId('page-calendar').waitFor();
  // The workspace menu opens and moves with the arrow keys.
  await page.getByTestId('ws-switcher').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'menuitemradio');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.querySelector('.ws-menu'));
});

test('at phone width the navigation collapses into a menu', async () => {
  const { page } = await open({ viewport: { width: 390, height: 844 } });
  await signIn(page, base, 'elira@studiodrita.al');
  await page.getByTestId('dash-team-size').filter({ hasText: /\d/ }).waitFor();
  assert.deepEqual(await overflowing(page), [], 'nothing sticks out sideways');
  assert.equal(await page.getByTestId('nav-calendar').isVisible(), false);
  await shot(page, 'phone-dashboard');
  await page.getByTestId('nav-toggle').click();
  await page.getByTestId('nav-calendar').waitFor({ state: 'visible' });
  assert.equal(await page.getByTestId('nav-toggle').getAttribute('aria-expanded'), 'true');
  await shot(page, 'phone-nav', { full: false });
  await page.getByTestId('nav-calendar').click();
  await page.getByTestId('page-calendar').waitFor();
  await page.getByTestId('nav-calendar').waitFor({ state: 'hidden' });
  await page.getByTestId('nav-settings').evaluate(() => 0); // still in the DOM
  const { byName } = await apiSession(base, 'elira@studiodrita.al');
  await page.goto(`${base}/#/ws/${byName[HOTEL].id}/team`);
  await page.getByTestId('member-row').first().waitFor();
  assert.deepEqual(await overflowing(page), []);
  await shot(page, 'phone-team');
});

test('no CSP violation, script error or server error happened', () => {
  assert.deepEqual(pages.flatMap((p) => p.problems), []);
});
