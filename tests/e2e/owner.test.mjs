// Browser: the owner's day — sign-in (a wrong password first), the shell,
// the language switch, switching workspaces, the empty screens, workspace
// settings with server validation, the audit log, profile and password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import {
  openBrowser, newPage, shot, signIn, waitHash, navIds, pageLang, apiSession, apiGet, api, login,
  CATALOG, NAV_ORDER, HOTEL, BAKERY, DEMO_PASSWORD,
} from './browser.mjs';

const ELIRA = 'elira@studiodrita.al';
const en = CATALOG.en;
let server;
let browser;
let page;
let problems;
let base;
let world; // API view as Elira

before(async () => {
  server = await startServer({ demo: true });
  base = server.url;
  browser = await openBrowser();
  ({ page, problems } = await newPage(browser, base));
  world = await apiSession(base, ELIRA);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

const members = async (ws) => (await apiGet(base, world.session, `/api/v1/workspaces/${ws.id}/members`)).members;

test('the UI is served under the Content-Security-Policy', async () => {
  const res = await page.goto(base + '/');
  const csp = res.headers()['content-security-policy'] || '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  await page.getByTestId('login-form').waitFor();
  assert.equal(await page.title(), 'kanal');
  // The SPA fallback serves the UI for a non-API path without a file.
  const deep = await api(base, 'GET', '/some/bookmarked/path', { headers: { accept: 'text/html' } });
  assert.equal(deep.status, 200);
  assert.match(String(deep.body), /<script type="module" src="\/app\.js">/);
});

test('a wrong password shows a translated error; the right one opens the dashboard', async () => {
  await page.goto(base + '/');
  await shot(page, 'login');
  await page.getByTestId('login-email').fill(ELIRA);
  await page.getByTestId('login-password').fill('not-the-password');
  await page.getByTestId('login-submit').click();
  const err = page.getByTestId('login-error');
  await err.waitFor();
  assert.equal((await err.textContent()).trim(), en['errors.auth.invalid_credentials']);
  await shot(page, 'login-error');

  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('page-dashboard').waitFor();

  // The URL names the workspace; the dashboard shows it with its facts.
  const hash = await page.evaluate(() => location.hash);
  const m = /^#\/ws\/(\d+)\/dashboard$/.exec(hash);
  assert.ok(m, `hash is ${hash}`);
  const ws = world.me.workspaces.find((w) => String(w.id) === m[1]);
  assert.ok(ws, 'the workspace in the URL is one of Elira\'s');
  // The UI now speaks Elira's own language.
  const lang = world.me.user.language;
  assert.equal(await pageLang(page), lang);
  const cat = CATALOG[lang];
  assert.equal(await page.getByTestId('dash-ws-name').textContent(), ws.name);
  assert.equal(await page.getByTestId('ws-current').textContent(), ws.name);
  assert.equal(await page.getByTestId('dash-role').textContent(), cat['roles.owner']);
  assert.equal(await page.getByTestId('dash-timezone').textContent(), ws.timezone);
  const n = (await members(ws)).length;
  await page.waitForFunction((want) => document.querySelector('[data-testid=dash-team-size]').textContent === want,
    cat[n === 1 ? 'dashboard.members_one' : 'dashboard.members_other'].replace('{n}', String(n)));
  assert.equal(await page.locator('[data-testid^="kpi-"]').count(), 6);
  // An owner sees every page, in the documented order.
  assert.deepEqual(await navIds(page), NAV_ORDER);
  for (const id of NAV_ORDER) assert.equal((await page.getByTestId('nav-' + id).textContent()).trim(), cat['nav.' + id]);
});

// Click a language and check the labels, <html lang> and the stored preference.
async function switchLanguage(lang) {
  await page.getByTestId('lang-' + lang).click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  assert.equal(await page.getByTestId('lang-' + lang).getAttribute('aria-pressed'), 'true');
  for (const id of NAV_ORDER) assert.equal((await page.getByTestId('nav-' + id).textContent()).trim(), CATALOG[lang]['nav.' + id]);
  assert.equal(await page.getByTestId('dash-role').textContent(), CATALOG[lang]['roles.owner']);
  // PATCH /me is sent after the catalog loads; wait for it to land.
  for (let i = 0; i < 50; i++) {
    if ((await apiGet(base, world.session, '/api/v1/me')).user.language === lang) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`GET /me does not say language ${lang}`);
}

test('the language switch shows Albanian, persists it, and switches back', async () => {
  if ((await pageLang(page)) !== 'en') await switchLanguage('en');
  await switchLanguage('sq');
  assert.equal((await page.getByTestId('nav-settings').textContent()).trim(), 'Cilësimet');
  assert.equal((await page.getByTestId('nav-inbox').textContent()).trim(), 'Kutia hyrëse');
  // A reload keeps Albanian.
  await page.reload();
  await page.getByTestId('page-dashboard').waitFor();
  assert.equal(await pageLang(page), 'sq');
  assert.equal((await page.getByTestId('nav-leads').textContent()).trim(), 'Klientë të mundshëm');
  await shot(page, 'dashboard-sq');

  await switchLanguage('en');
  assert.equal((await page.getByTestId('nav-inbox').textContent()).trim(), en['nav.inbox']);
  await page.getByTestId('dash-team-size').filter({ hasText: /\d/ }).waitFor();
  await shot(page, 'dashboard');
});

test('the workspace switcher moves to the other workspace, its team, and the URL follows', async () => {
  const hotel = world.byName[HOTEL];
  const bakery = world.byName[BAKERY];
  assert.ok(hotel && bakery, 'Elira belongs to both demo workspaces');
  await page.goto(`${base}/#/ws/${hotel.id}/team`);
  await page.getByTestId('page-team').waitFor();
  await page.getByTestId('member-row').first().waitFor();

  await page.getByTestId('ws-switcher').click();
  const options = await page.$$eval('[data-testid^="ws-option-"]', (els) => els.map((e) => e.textContent));
  assert.equal(options.length, world.me.workspaces.length);
  await page.getByTestId('ws-option-' + bakery.id).click();
  await waitHash(page, `#/ws/${bakery.id}/team`);
  await page.waitForFunction((name) => document.querySelector('[data-testid=ws-current]').textContent === name, BAKERY);
  await page.waitForFunction((name) => document.querySelector('.page-subtitle').textContent.includes(name), BAKERY);
  await page.getByTestId('member-row').first().waitFor();
  const shown = (await page.$$eval('[data-testid=member-row]', (els) => els.map((e) => e.dataset.email))).sort();
  assert.deepEqual(shown, (await members(bakery)).map((m) => m.email).sort());

  await page.getByTestId('nav-dashboard').click();
  await waitHash(page, `#/ws/${bakery.id}/dashboard`);
  await page.waitForFunction((name) => document.querySelector('[data-testid=dash-ws-name]')?.textContent === name, BAKERY);

  // A bookmark opens the hotel's team directly.
  await page.goto(`${base}/#/ws/${hotel.id}/team`);
  await page.waitForFunction((name) => document.querySelector('[data-testid=ws-current]').textContent === name, HOTEL);
  await page.getByTestId('member-row').first().waitFor();
  const hotelShown = (await page.$$eval('[data-testid=member-row]', (els) => els.map((e) => e.dataset.email))).sort();
  assert.deepEqual(hotelShown, (await members(hotel)).map((m) => m.email).sort());
  assert.notDeepEqual(hotelShown, shown, 'the two workspaces have different teams');
});

test('every later screen shows a calm empty state with a next step', async () => {
  const hotel = world.byName[HOTEL];
  // Calendar and Compose are real screens now (content.test.mjs).
  for (const id of ['inbox', 'leads', 'analytics', 'campaigns', 'strategy', 'library']) {
    await page.getByTestId('nav-' + id).click();
    await waitHash(page, `#/ws/${hotel.id}/${id}`);
    await page.getByTestId('page-' + id).waitFor();
    assert.equal(await page.getByTestId('page-title').textContent(), en['nav.' + id]);
    assert.equal(await page.locator('[data-testid=empty-state] h2').textContent(), en[id + '.empty_title']);
    assert.equal(await page.getByTestId('nav-' + id).getAttribute('aria-current'), 'page');
    const next = await page.getByTestId('empty-action').getAttribute('href');
    assert.match(next, new RegExp(`^#/ws/${hotel.id}/(team|settings|inbox|compose|dashboard)$`));
    await shot(page, 'empty-' + id);
  }
  // "c" opens Compose from anywhere outside a text field.
  await page.getByTestId('nav-dashboard').click();
  await page.getByTestId('page-dashboard').waitFor();
  await page.keyboard.press('c');
  await page.getByTestId('page-compose').waitFor();
});

test('workspace settings: the server\'s validation message shows, a good time zone is saved', async () => {
  const hotel = world.byName[HOTEL];
  await page.goto(`${base}/#/ws/${hotel.id}/settings`);
  await page.getByTestId('workspace-form').waitFor();
  assert.equal(await page.getByTestId('ws-name').inputValue(), HOTEL);
  assert.equal(await page.getByTestId('ws-timezone').inputValue(), hotel.timezone);

  await page.getByTestId('ws-timezone').fill('Mars/Olympus_Mons');
  await page.getByTestId('ws-save').click();
  const err = page.getByTestId('ws-timezone-error');
  await err.waitFor();
  // The message under the field is the server's code, translated (or its detail).
  const p = (await api(base, 'PATCH', `/api/v1/workspaces/${hotel.id}`,
    { cookie: world.session.cookie, csrf: world.session.csrf, origin: base, body: { timezone: 'Mars/Olympus_Mons' } })).body;
  assert.equal(p.field, '$.timezone');
  assert.equal((await err.textContent()).trim(), en['errors.' + p.code] || p.detail);
  assert.equal(await page.getByTestId('ws-timezone').getAttribute('aria-invalid'), 'true');
  let ws = (await apiGet(base, world.session, `/api/v1/workspaces/${hotel.id}`)).workspace;
  assert.equal(ws.timezone, hotel.timezone, 'nothing was saved');
  await shot(page, 'settings-error');

  await page.getByTestId('ws-timezone').fill('Europe/Rome');
  await page.getByTestId('ws-currency').fill('all');
  await page.getByTestId('ws-save').click();
  await page.getByTestId('toast').filter({ hasText: en['settings.saved'] }).waitFor();
  ws = (await apiGet(base, world.session, `/api/v1/workspaces/${hotel.id}`)).workspace;
  assert.equal(ws.timezone, 'Europe/Rome');
  assert.equal(ws.currency, 'ALL');
  assert.equal(await page.getByTestId('ws-timezone-error').count(), 0);
  await shot(page, 'settings');

  await page.getByTestId('nav-dashboard').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=dash-timezone]')?.textContent === 'Europe/Rome');
});

test('the audit log lists what the owner just changed', async () => {
  const hotel = world.byName[HOTEL];
  await page.goto(`${base}/#/ws/${hotel.id}/settings`);
  await page.getByTestId('tab-audit').click();
  await waitHash(page, `#/ws/${hotel.id}/audit`);
  await page.getByTestId('audit-row').first().waitFor();
  const entries = (await apiGet(base, world.session, `/api/v1/workspaces/${hotel.id}/audit?limit=50`)).entries;
  assert.ok(entries.length >= 1, 'the settings change is audited');
  assert.equal(await page.getByTestId('audit-row').count(), entries.length);
  const actions = await page.$$eval('[data-testid=audit-row]', (els) => els.map((e) => e.dataset.action));
  assert.deepEqual(actions, entries.map((e) => e.action));
  // The newest entry is the settings change; its details show before and after.
  assert.equal(actions[0], entries[0].action);
  await page.getByTestId('audit-details').first().click();
  const detail = page.getByTestId('audit-detail');
  await detail.waitFor();
  assert.match(await detail.textContent(), /Europe\/Rome/);
  assert.match(await page.getByTestId('audit-row').first().textContent(), new RegExp(en['audit.action.' + entries[0].action] || entries[0].action));
  await shot(page, 'audit');
});

test('profile: the name changes everywhere', async () => {
  const hotel = world.byName[HOTEL];
  await page.goto(`${base}/#/ws/${hotel.id}/profile`);
  await page.getByTestId('profile-form').waitFor();
  assert.equal(await page.getByTestId('profile-email').inputValue(), ELIRA);
  await page.getByTestId('profile-name').fill('Elira Hoxha-Dervishi');
  await page.getByTestId('profile-save').click();
  await page.getByTestId('toast').filter({ hasText: en['profile.saved'] }).waitFor();
  const me = await apiGet(base, world.session, '/api/v1/me');
  assert.equal(me.user.name, 'Elira Hoxha-Dervishi');
  await page.waitForFunction(() => document.querySelector('.user-name').textContent === 'Elira Hoxha-Dervishi');
  await shot(page, 'profile');
});

test('change the password from the user menu, sign out, sign in with the new one', async () => {
  const next = 'Drita-new-passphrase-2026!';
  await page.getByTestId('user-menu').click();
  await page.getByTestId('menu-password').click();
  const dlg = page.getByTestId('password-dialog');
  await dlg.waitFor();
  await page.getByTestId('password-current').fill('not-my-password');
  await page.getByTestId('password-new').fill(next);
  await page.getByTestId('password-again').fill(next);
  await page.getByTestId('password-submit').click();
  await page.getByTestId('password-current-error').waitFor();
  assert.equal(await page.getByTestId('password-current-error').textContent(), en['password.wrong_current']);
  await page.getByTestId('password-current').fill(DEMO_PASSWORD);
  await page.getByTestId('password-again').fill(next + 'x');
  await page.getByTestId('password-submit').click();
  assert.equal(await page.getByTestId('password-again-error').textContent(), en['password.mismatch']);
  await page.getByTestId('password-again').fill(next);
  await shot(page, 'password-dialog');
  await page.getByTestId('password-submit').click();
  await page.getByTestId('toast').filter({ hasText: en['password.changed'] }).waitFor();
  assert.equal(await dlg.count(), 0);

  // The UI's session was renewed: a change still works (fresh CSRF token).
  await page.getByTestId('lang-sq').click();
  await page.waitForFunction(() => document.documentElement.lang === 'sq');
  await page.getByTestId('lang-en').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.locator('.toast-error').count(), 0, 'no error after the password change');

  // The old API session was revoked by the change.
  const old = await api(base, 'GET', '/api/v1/me', { cookie: world.session.cookie });
  assert.equal(old.status, 401);
  world.session = await login(base, ELIRA, next);

  await page.getByTestId('user-menu').click();
  await page.getByTestId('menu-signout').click();
  await page.getByTestId('login-form').waitFor();
  await page.getByTestId('login-email').fill(ELIRA);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').waitFor();
  await page.getByTestId('login-password').fill(next);
  await page.getByTestId('login-submit').click();
  // Back where she was before signing out.
  await page.getByTestId('page-profile').waitFor();
  assert.equal(await page.getByTestId('profile-email').inputValue(), ELIRA);
});

test('no CSP violation, script error or server error happened', () => {
  assert.deepEqual(problems, []);
});
