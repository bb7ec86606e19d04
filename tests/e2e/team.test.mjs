// Browser: the owner manages the team — add a member, a duplicate is refused
// in words, change a role, the last owner is protected, remove with confirm;
// API tokens (secret shown once, revoke); the translated role matrix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { openBrowser, newPage, shot, signIn, apiSession, apiGet, api, login, CATALOG, HOTEL } from './browser.mjs';

const ELIRA = 'elira@studiodrita.al';
const NEW = { email: 'drilona@studiodrita.al', name: 'Drilona Berisha', password: 'Drilona-initial-2026!' };
const en = CATALOG.en;
const sq = CATALOG.sq;
let server;
let browser;
let page;
let problems;
let base;
let world;
let hotel;
let newId;

before(async () => {
  server = await startServer({ demo: true });
  base = server.url;
  browser = await openBrowser();
  ({ page, problems } = await newPage(browser, base));
  world = await apiSession(base, ELIRA);
  hotel = world.byName[HOTEL];
  await signIn(page, base, ELIRA);
  if ((await page.evaluate(() => document.documentElement.lang)) !== 'en') {
    await page.getByTestId('lang-en').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
  }
  await page.goto(`${base}/#/ws/${hotel.id}/team`);
  await page.getByTestId('member-row').first().waitFor();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

const members = async () => (await apiGet(base, world.session, `/api/v1/workspaces/${hotel.id}/members`)).members;
const row = (email) => page.locator(`[data-testid=member-row][data-email="${email}"]`);
const toast = (text) => page.getByTestId('toast').filter({ hasText: text });

test('the owner adds a member, who is listed and can sign in', async () => {
  const before = await members();
  await page.getByTestId('add-email').fill(NEW.email);
  await page.getByTestId('add-name').fill(NEW.name);
  await page.getByTestId('add-role').selectOption('analyst');
  await page.getByTestId('add-password').fill(NEW.password);
  await page.getByTestId('add-submit').click();
  await row(NEW.email).waitFor();
  assert.equal(await row(NEW.email).getByTestId('member-name').textContent(), NEW.name);
  await toast(en['team.added'].replace('{name}', NEW.name).replace('{role}', en['roles.analyst'])).waitFor();
  assert.equal(await page.getByTestId('add-email').inputValue(), '', 'the form is cleared');

  const after = await members();
  assert.equal(after.length, before.length + 1);
  const m = after.find((x) => x.email === NEW.email);
  assert.ok(m, 'the API lists the new member');
  assert.equal(m.name, NEW.name);
  assert.equal(m.role, 'analyst');
  newId = m.user_id;
  assert.equal(await page.getByTestId('member-row').count(), after.length);
  assert.equal(await page.getByTestId('member-role-' + newId).inputValue(), 'analyst');
  // The initial password works.
  const s = await login(base, NEW.email, NEW.password);
  assert.ok(s.cookie);
  await shot(page, 'team');
});

test('adding someone who is already a member says so in words', async () => {
  await page.getByTestId('add-email').fill('mira@studiodrita.al');
  await page.getByTestId('add-submit').click();
  // The server names the email field, so the message sits under it.
  const err = page.getByTestId('add-email-error');
  await err.waitFor();
  assert.equal((await err.textContent()).trim(), en['errors.member.exists']);
  assert.equal(await page.getByTestId('add-email').getAttribute('aria-invalid'), 'true');
  await page.getByTestId('add-email').fill('');
  await page.getByTestId('add-submit').click();
  assert.equal(await page.getByTestId('add-email-error').textContent(), en['errors.field.required']);
});

test('the owner changes a role', async () => {
  await page.getByTestId('member-role-' + newId).selectOption('community_manager');
  await toast(en['team.role_changed'].replace('{name}', NEW.name).replace('{role}', en['roles.community_manager'])).waitFor();
  const m = (await members()).find((x) => x.email === NEW.email);
  assert.equal(m.role, 'community_manager');
  await page.reload();
  await row(NEW.email).waitFor();
  assert.equal(await page.getByTestId('member-role-' + newId).inputValue(), 'community_manager');
  assert.equal(await row(NEW.email).getAttribute('data-role'), 'community_manager');
});

test('the last owner cannot be demoted, and the UI says why', async () => {
  const owners = (await members()).filter((m) => m.role === 'owner');
  assert.equal(owners.length, 1, 'Elira is the only owner of the hotel');
  const id = owners[0].user_id;
  await page.getByTestId('member-role-' + id).selectOption('analyst');
  await page.locator('.toast-error').filter({ hasText: en['errors.member.last_owner'] }).waitFor();
  assert.equal(await page.getByTestId('member-role-' + id).inputValue(), 'owner', 'the select shows the real role again');
  assert.equal((await members()).find((m) => m.user_id === id).role, 'owner');
});

test('the owner removes a member after confirming', async () => {
  await page.getByTestId('member-remove-' + newId).click();
  await page.getByTestId('confirm-dialog').waitFor();
  await shot(page, 'team-remove-confirm');
  await page.getByTestId('confirm-cancel').click();
  assert.equal(await page.getByTestId('confirm-dialog').count(), 0);
  assert.ok((await members()).some((m) => m.email === NEW.email), 'cancel keeps the member');

  await page.getByTestId('member-remove-' + newId).click();
  await page.getByTestId('confirm-ok').click();
  await toast(en['team.removed'].replace('{name}', NEW.name)).waitFor();
  await row(NEW.email).waitFor({ state: 'detached' });
  assert.ok(!(await members()).some((m) => m.email === NEW.email), 'the API no longer lists the member');
});

test('API tokens: the secret is shown once, works, and stops working when revoked', async () => {
  await page.getByTestId('token-name').fill('Reporting script');
  await page.getByTestId('token-role').selectOption('analyst');
  await page.getByTestId('token-days').fill('30');
  await page.getByTestId('token-create').click();
  const secretBox = page.getByTestId('token-secret');
  await secretBox.waitFor();
  const secret = await secretBox.inputValue();
  assert.match(secret, /^kanal_\S{16,}$/);
  const row = page.locator('[data-testid=token-row][data-name="Reporting script"]');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'active');
  assert.ok(!(await row.textContent()).includes(secret), 'the list never shows the secret');
  await page.getByTestId('token-copy').click();
  await page.getByTestId('token-copy').filter({ hasText: en['tokens.copied'] }).waitFor();
  await shot(page, 'team-token-created');

  const use = () => api(base, 'GET', `/api/v1/workspaces/${hotel.id}/members`, { token: secret });
  assert.equal((await use()).status, 200);

  await page.getByTestId('token-dismiss').click();
  assert.equal(await page.getByTestId('token-secret').count(), 0, 'the secret is gone once dismissed');
  const tokens = (await apiGet(base, world.session, `/api/v1/workspaces/${hotel.id}/tokens`)).tokens;
  const tok = tokens.find((x) => x.name === 'Reporting script');
  assert.equal(tok.role, 'analyst');
  await page.getByTestId('token-revoke-' + tok.id).click();
  await page.getByTestId('confirm-ok').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=token-row][data-name="Reporting script"]')?.dataset.status === 'revoked');
  assert.equal((await use()).status, 401);
});

test('the role matrix matches GET /roles and is translated', async () => {
  const roles = await apiGet(base, world.session, '/api/v1/roles');
  const matrix = page.getByTestId('role-matrix');
  await matrix.scrollIntoViewIfNeeded();
  for (const r of roles.roles) assert.equal(await page.getByTestId('matrix-role-' + r).textContent(), en['roles.' + r]);
  for (const p of roles.permissions) {
    assert.match(await page.getByTestId('matrix-perm-' + p).textContent(), new RegExp('^' + en['perms.' + p].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  }
  const allowed = Object.values(roles.matrix).reduce((n, list) => n + list.filter((p) => roles.permissions.includes(p)).length, 0);
  assert.equal(await matrix.locator('td.yes').count(), allowed);
  assert.equal(await matrix.locator('td.yes').count() + await matrix.locator('td.no').count(), roles.roles.length * roles.permissions.length);

  await page.getByTestId('lang-sq').click();
  await page.waitForFunction(() => document.documentElement.lang === 'sq');
  assert.equal(await page.getByTestId('matrix-role-owner').textContent(), 'Pronar');
  assert.match(await page.getByTestId('matrix-perm-inbox.read').textContent(), new RegExp('^' + sq['perms.inbox.read']));
  assert.equal(await page.getByTestId('page-title').textContent(), sq['team.title']);
  await shot(page, 'team-sq');
  await page.getByTestId('lang-en').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
});

test('no CSP violation, script error or server error happened', () => {
  assert.deepEqual(problems, []);
});
