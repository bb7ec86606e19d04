// Shared helpers for the browser tests: Debian chromium through
// playwright-core, pages that record CSP violations and script errors,
// sign-in through the UI, catalogs, and screenshots.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD, api, login } from '../lib/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SHOTS = join(HERE, 'screenshots');
export const CATALOG = {
  en: JSON.parse(readFileSync(join(HERE, '..', '..', 'web', 'i18n', 'en.json'), 'utf8')),
  sq: JSON.parse(readFileSync(join(HERE, '..', '..', 'web', 'i18n', 'sq.json'), 'utf8')),
};
export const NAV_ORDER = ['dashboard', 'calendar', 'compose', 'inbox', 'leads', 'analytics', 'campaigns', 'strategy', 'library', 'settings'];
export const HOTEL = 'Hotel Guri i Kuq';
export const BAKERY = 'Furra e Lagjes';
export { DEMO_PASSWORD, api, login };

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

// A fresh headless chromium (playwright gives each launch its own temporary
// user-data dir and removes it on close). Never downloads a browser.
export function openBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ARGS });
}

// A page in its own context (own cookies and storage). problems collects
// CSP violations, script errors, console errors and 5xx answers; network
// 4xx logs ("Failed to load resource") are expected (401 before sign-in,
// a wrong password) and are not problems.
export async function newPage(browser, base, { viewport, locale } = {}) {
  const context = await browser.newContext({ viewport: viewport || { width: 1360, height: 900 }, locale: locale || 'en-GB' });
  const problems = [];
  await context.exposeBinding('__kanalCspViolation', (_src, v) => problems.push('CSP violation: ' + v));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__kanalCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      problems.push('console error: ' + m.text());
    }
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { context, page, problems };
}

// Save tests/e2e/screenshots/<name>.png (the whole page unless full is false).
export async function shot(page, name, { full = true } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  // A full-page shot of a scrolled page draws the sticky bars mid-page.
  if (full) await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(150); // let transitions settle
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: full });
}

// Sign in through the login form and wait for the dashboard.
export async function signIn(page, base, email, password = DEMO_PASSWORD) {
  await page.goto(base + '/');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('page-dashboard').waitFor();
}

// Wait until the hash route is exactly hash ("#/ws/1/team").
export async function waitHash(page, hash) {
  await page.waitForFunction((h) => location.hash === h, hash);
}

// data-testid="nav-*" items, in order.
export async function navIds(page) {
  await page.getByTestId('nav-dashboard').waitFor();
  return page.$$eval('[data-testid=nav] [data-testid^="nav-"]', (els) => els.map((e) => e.dataset.testid.slice(4)));
}

// The UI's current language (html lang).
export function pageLang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

// API view of the demo world as a user: { session, me, byName: {name: ws} }.
export async function apiSession(base, email, password = DEMO_PASSWORD) {
  const session = await login(base, email, password);
  const r = await api(base, 'GET', '/api/v1/me', { cookie: session.cookie });
  if (r.status !== 200) throw new Error(`GET /me: ${r.status}`);
  const byName = Object.fromEntries(r.body.workspaces.map((w) => [w.name, w]));
  return { session, me: r.body, byName };
}

export async function apiGet(base, session, path) {
  const r = await api(base, 'GET', path, { cookie: session.cookie });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
