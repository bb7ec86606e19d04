// A strict local Mastodon instance that also lets apps register and people
// authorize them (not a test file itself): the instance of _mastodon.mjs
// plus its OAuth side, as Mastodon (Doorkeeper) does it.
//
// - POST /api/v1/apps (JSON or form): client_name and redirect_uris
//   required, scopes (space-separated, default "read") each one Mastodon
//   knows; 200 with the Application entity (client_id, client_secret).
// - GET /oauth/authorize: response_type=code, a registered client_id, the
//   redirect_uri it registered (exactly), scopes within the app's, a state,
//   and PKCE (code_challenge with code_challenge_method=S256, required
//   here: kanal always sends it). Anything else is a 400 page, never a
//   redirect. The person is the test: it approves at once (302 to the
//   redirect URI with a code and the state) or, when `state.deny`, refuses
//   (error=access_denied).
// - POST /oauth/token (JSON or form): grant_type=authorization_code, the
//   code (60 s, single use: a second use is invalid_grant and revokes the
//   token the first got, as Doorkeeper does), the same redirect_uri and
//   client, code_verifier whose S256 is the challenge; the client's secret
//   in the form or by HTTP Basic (401 invalid_client otherwise). 200 with
//   {access_token, token_type, scope, created_at}: Mastodon's tokens do not
//   expire and come without a refresh token.
//
// Tokens it issues work at the instance's API (verify_credentials,
// statuses, media) until revoked.
import crypto from 'node:crypto';
import { startMastodon } from './_mastodon.mjs';

const SCOPES = new Set(['read', 'write', 'follow', 'push', 'profile', 'read:statuses', 'read:accounts',
  'write:statuses', 'write:media', 'read:notifications', 'write:accounts']);

const readBody = (d) => {
  const ct = String(d.headers['content-type'] || '');
  if (ct.startsWith('application/json')) return JSON.parse(d.raw || '{}');
  if (ct.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(d.raw));
  if (!d.raw) return {};
  throw new Error('unsupported content type');
};

export async function startMastodonOAuth() {
  const tokens = []; // the access tokens issued and not revoked (the API accepts them)
  const state = {
    deny: false,
    apps: [],        // {client_id, client_secret, redirect_uris, scopes, name, website}
    codes: new Map(), // code -> {client_id, redirect_uri, scopes, challenge, expires, used, token}
    issued: [],      // every token answer
    errors: [],      // every refusal: {path, error} (what kanal got wrong)
  };
  const json = (res, d, status, body) => {
    d.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res, d, status, error, description) => {
    state.errors.push({ path: d.path.split('?')[0], error, description });
    return json(res, d, status, { error, error_description: description });
  };

  function oauth(req, res, d) {
    const u = new URL(req.url, 'http://x');
    if (u.pathname === '/api/v1/apps') {
      if (req.method !== 'POST') return refuse(res, d, 405, 'Method not allowed'), true;
      let b;
      try { b = readBody(d); } catch { return refuse(res, d, 415, 'Unsupported content type'), true; }
      const uris = Array.isArray(b.redirect_uris) ? b.redirect_uris : String(b.redirect_uris || '').split(/\s+/).filter(Boolean);
      if (!b.client_name) return refuse(res, d, 422, "Validation failed: Application name can't be blank"), true;
      if (!uris.length) return refuse(res, d, 422, "Validation failed: Redirect URI can't be blank"), true;
      for (const x of uris) {
        try { new URL(x); } catch { return refuse(res, d, 422, 'Validation failed: Redirect URI must be an absolute URI.'), true; }
      }
      const scopes = String(b.scopes || 'read').split(/\s+/).filter(Boolean);
      if (scopes.some((s) => !SCOPES.has(s))) return refuse(res, d, 422, 'Validation failed: Scopes are invalid'), true;
      const app = {
        id: String(state.apps.length + 1), name: b.client_name, website: b.website || null, scopes,
        redirect_uris: uris, redirect_uri: uris.join('\n'),
        client_id: crypto.randomBytes(16).toString('base64url'),
        client_secret: crypto.randomBytes(24).toString('base64url'),
      };
      state.apps.push(app);
      json(res, d, 200, { ...app, client_secret_expires_at: 0, vapid_key: 'BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=' });
      return true;
    }
    if (u.pathname === '/oauth/authorize') {
      const q = u.searchParams;
      const app = state.apps.find((a) => a.client_id === q.get('client_id'));
      const page = (why) => { refuse(res, d, 400, 'invalid_request', why); return true; };
      if (req.method !== 'GET') return page('method');
      if (!app) return page('unknown client');
      if (!app.redirect_uris.includes(q.get('redirect_uri'))) return page('redirect_uri does not match');
      if (q.get('response_type') !== 'code') return page('response_type must be code');
      const scopes = String(q.get('scope') || 'read').split(/\s+/).filter(Boolean);
      if (scopes.some((s) => !app.scopes.includes(s))) return page('scope outside the app\'s');
      if (q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') || '')) return page('PKCE S256 required');
      if (!q.get('state')) return page('state missing');
      const back = new URL(q.get('redirect_uri'));
      if (state.deny) {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'The resource owner or authorization server denied the request.');
      } else {
        const code = crypto.randomBytes(24).toString('base64url');
        state.codes.set(code, {
          client_id: app.client_id, redirect_uri: q.get('redirect_uri'), scopes, challenge: q.get('code_challenge'),
          expires: Date.now() + 60000, used: false, token: null,
        });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', q.get('state'));
      d.status = 302;
      res.writeHead(302, { location: back.toString() });
      res.end();
      return true;
    }
    if (u.pathname === '/oauth/token') {
      if (req.method !== 'POST') return refuse(res, d, 405, 'Method not allowed'), true;
      let b;
      try { b = readBody(d); } catch { return refuse(res, d, 415, 'invalid_request', 'content type'), true; }
      let id = b.client_id, secret = b.client_secret;
      const basic = /^Basic (.+)$/.exec(String(d.headers.authorization || ''));
      if (basic) {
        const [bi, bs] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
        if (id && id !== bi) return refuse(res, d, 401, 'invalid_client', 'two client ids'), true;
        id = bi;
        secret = bs;
      }
      const app = state.apps.find((a) => a.client_id === id);
      if (!app || !secret || secret !== app.client_secret) return refuse(res, d, 401, 'invalid_client', 'Client authentication failed'), true;
      if (b.grant_type !== 'authorization_code') return refuse(res, d, 400, 'unsupported_grant_type', String(b.grant_type)), true;
      const c = state.codes.get(String(b.code || ''));
      if (!c || c.client_id !== app.client_id || c.expires < Date.now()) return refuse(res, d, 400, 'invalid_grant', 'unknown or expired code'), true;
      if (c.used) {
        // a code used twice: refuse and revoke what the first use got
        const i = tokens.indexOf(c.token);
        if (i >= 0) tokens.splice(i, 1);
        return refuse(res, d, 400, 'invalid_grant', 'code already used'), true;
      }
      c.used = true;
      if (b.redirect_uri !== c.redirect_uri) return refuse(res, d, 400, 'invalid_grant', 'redirect_uri differs'), true;
      const v = String(b.code_verifier || '');
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(v) || crypto.createHash('sha256').update(v).digest('base64url') !== c.challenge) {
        return refuse(res, d, 400, 'invalid_grant', 'code_verifier does not match'), true;
      }
      const answer = {
        access_token: crypto.randomBytes(32).toString('base64url'), token_type: 'Bearer',
        scope: c.scopes.join(' '), created_at: Math.floor(Date.now() / 1000),
      };
      c.token = answer.access_token;
      tokens.push(answer.access_token);
      state.issued.push(answer);
      json(res, d, 200, answer);
      return true;
    }
    return false;
  }

  // a token nobody holds, so that only issued tokens work
  const masto = await startMastodon(crypto.randomBytes(32).toString('hex'), { extraTokens: tokens, oauth });

  // The browser: follows kanal's authorize_url to the redirect URI.
  async function authorize(authorizeUrl) {
    const r = await fetch(authorizeUrl, { redirect: 'manual' });
    const loc = r.headers.get('location');
    if (!loc) throw new Error(`authorization stopped: ${r.status} ${await r.text()}`);
    return loc;
  }
  return { ...masto, oauth: state, tokens, authorize, revoke: (t) => tokens.splice(tokens.indexOf(t), 1) };
}
