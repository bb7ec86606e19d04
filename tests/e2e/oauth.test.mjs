// Browser: connecting an X channel by OAuth (issue 4) in real chromium. kanal's
// X app is configured (KANAL_OAUTH_X_*) against a real authorization server
// (npm oidc-provider, tests/api/_oidc.mjs), whose interaction route plays
// the person's consent. On the Channels page, "Connect with X" goes to the
// provider, which sends the browser back to the Channels page with the
// success toast and the channel connected (checked through the API too); a
// refusal at the provider comes back with the translated error, in English
// and in Albanian. No token appears in any page or log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { openBrowser, newPage, signIn, apiSession, apiGet, api, HOTEL, CATALOG } from './browser.mjs';
import { startOidc, freePort } from '../api/_oidc.mjs';

const ELIRA = 'elira@studiodrita.al';
const SECRET = 'csecret-e2e-' + crypto.randomBytes(12).toString('hex');
let server, browser, base, op, owner, hotel;
const pages = [];

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  op = await startOidc({ redirectUri: `${base}/oauth/callback`, clientSecret: SECRET });
  server = await startServer({
    demo: true,
    args: ['--listen', `127.0.0.1:${port}`],
    env: {
      KANAL_NET_ALLOW_LOOPBACK: '1',
      KANAL_PUBLIC_URL: base,
      KANAL_OAUTH_X_CLIENT_ID: 'kanal-test',
      KANAL_OAUTH_X_CLIENT_SECRET: SECRET,
      KANAL_OAUTH_X_AUTHORIZE_URL: `${op.url}/auth`,
      KANAL_OAUTH_X_TOKEN_URL: `${op.url}/token`,
      KANAL_OAUTH_X_USERINFO_URL: `${op.url}/me`,
      KANAL_OAUTH_X_API_URL: op.url,
      KANAL_OAUTH_X_SCOPES: 'openid',
    },
  });
  owner = await apiSession(base, ELIRA);
  hotel = owner.byName[HOTEL];
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await op?.stop();
});

async function newXChannel(name) {
  const r = await api(base, 'POST', `/api/v1/workspaces/${hotel.id}/channels`, {
    body: { network: 'x', name }, cookie: owner.session.cookie, csrf: owner.session.csrf, origin: base,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.channel.id;
}

// Sign in (the interface in lang), open the Channels page and press
// "Connect with X" on the row.
async function connectFromPage(id, lang) {
  // the person's language is kept on the server and wins over the browser's
  const me = await api(base, 'PATCH', '/api/v1/me', { body: { language: lang }, cookie: owner.session.cookie, csrf: owner.session.csrf, origin: base });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  const { page, problems } = await newPage(browser, base, { locale: lang === 'sq' ? 'sq-AL' : 'en-GB' });
  await signIn(page, base, ELIRA);
  await page.goto(`${base}/#/ws/${hotel.id}/channels`);
  const row = page.locator(`[data-testid="channel-row"][data-id="${id}"]`);
  await row.waitFor();
  const button = row.getByTestId('oauth-start');
  await button.click();
  // the provider's pages, then back to kanal's Channels page
  await page.waitForURL((u) => u.toString().startsWith(`${base}/#/ws/${hotel.id}/channels`), { timeout: 15000 });
  pages.push(page);
  return { page, problems, row };
}

test('"Connect with X" goes to the provider and comes back connected, with the success toast', async () => {
  const id = await newXChannel('X nga shfletuesi');
  const before = op.state.tokenRequests.length;
  const { page, problems, row } = await connectFromPage(id, 'en');
  const toast = page.getByTestId('toast').filter({ hasText: 'The channel is connected.' });
  await toast.waitFor();
  assert.equal(op.state.tokenRequests.length, before + 1, 'one code exchange');
  assert.equal(new URLSearchParams(op.state.tokenRequests[before].body).get('grant_type'), 'authorization_code');
  // the address loses the query; the row shows the account
  await page.waitForURL(`${base}/#/ws/${hotel.id}/channels`);
  await row.getByTestId('channel-account').filter({ hasText: 'drita' }).waitFor();
  const ch = await apiGet(base, owner.session, `/api/v1/workspaces/${hotel.id}/channels/${id}`);
  assert.equal(ch.channel.account.status, 'connected');
  assert.equal(ch.channel.account.summary, 'drita');
  assert.deepEqual(problems, []);
});

test('a refusal at the provider comes back with the translated error (English and Albanian)', async () => {
  const id = await newXChannel('X e refuzuar');
  op.state.deny = true;
  try {
    for (const lang of ['en', 'sq']) {
      const { page, problems } = await connectFromPage(id, lang);
      const want = CATALOG[lang]['errors.oauth.denied'];
      assert.ok(want, `errors.oauth.denied in ${lang}`);
      await page.getByTestId('toast').filter({ hasText: want }).waitFor();
      assert.deepEqual(problems, []);
    }
  } finally {
    op.state.deny = false;
  }
  const ch = await apiGet(base, owner.session, `/api/v1/workspaces/${hotel.id}/channels/${id}`);
  assert.equal(ch.channel.account, null);
});

test('no token or client secret appears in any page or log line', async () => {
  const secrets = [SECRET];
  for (const t of op.state.issued) {
    if (t.access_token) secrets.push(t.access_token);
    if (t.refresh_token) secrets.push(t.refresh_token);
  }
  assert.ok(secrets.length >= 3);
  const log = server.stderr();
  for (const p of pages) {
    const html = await p.content();
    for (const s of secrets) assert.ok(!html.includes(s), 'a token in a page');
  }
  for (const s of secrets) assert.ok(!log.includes(s), 'a token in the log');
  assert.deepEqual(op.state.errors, []);
});
