// A real OAuth 2.0 authorization server for the tests: npm oidc-provider on
// loopback, one confidential client (client_secret_basic) that must use
// PKCE (S256), authorization_code + refresh_token grants, rotating refresh
// tokens, access tokens that live 60 s (state.accessTtl), introspection and revocation on.
// It sits behind a small pass-through proxy (its issuer) that records the
// tokens the provider hands out — the only way a test can learn them, since
// kanal never shows them — and can play a provider that is down or one
// that answers a refresh without a refresh_token.
//
// The person at the authorization page is the test: the provider sends the
// browser to /interaction/<uid>, where this server signs in `accountId` and
// grants what was asked (or denies, when told to), as its consent page
// would after a click.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const listen = (server) => new Promise((res) => server.listen(0, '127.0.0.1', () => res(server.address().port)));

export async function startOidc({ redirectUri, clientId = 'kanal-test', clientSecret, accountId = 'drita' }) {
  const proxy = http.createServer();
  const proxyPort = await listen(proxy);
  const issuer = `http://127.0.0.1:${proxyPort}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    ttl: { AccessToken: () => state.accessTtl, AuthorizationCode: 60, RefreshToken: 86400, Grant: 86400, Interaction: 600, Session: 600 },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    // a provider that sends no refresh token back does not rotate it either
    rotateRefreshToken: () => state.mode !== 'strip',
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
  });
  provider.on('server_error', (ctx, err) => { state.errors.push(String(err)); });
  const state = {
    mode: 'normal',       // 'down': the token endpoint does not answer; 'strip': refresh answers lack refresh_token
    deny: false,          // the person refuses at the consent page
    accessTtl: 60,        // seconds an access token issued from now on lives
    claimTtl: 0,          // when set, token answers say expires_in = this (a token that dies sooner than said)
    issued: [],           // every token endpoint answer (parsed), in order
    tokenRequests: [],    // {auth, body} of every token endpoint request
    bearers: [],          // Authorization headers seen at /me
    errors: [],
  };
  const inner = http.createServer(async (req, res) => {
    const m = /^\/interaction\/([^/?]+)/.exec(req.url);
    if (!m) return provider.callback()(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (state.deny) {
        return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the person said no' },
          { mergeWithLastSubmission: false });
      }
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope || 'openid'));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false });
    } catch (err) {
      state.errors.push(String(err));
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  const innerPort = await listen(inner);

  proxy.on('request', (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isToken = new URL(req.url, issuer).pathname === '/token';
      if (isToken) state.tokenRequests.push({ auth: req.headers.authorization || '', body: body.toString(), mode: state.mode });
      if (req.url.startsWith('/me')) state.bearers.push(req.headers.authorization || '');
      if (isToken && state.mode === 'down') { req.socket.destroy(); return; }
      const up = http.request({ host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        const out = [];
        ur.on('data', (c) => out.push(c));
        ur.on('end', () => {
          let data = Buffer.concat(out);
          const headers = { ...ur.headers };
          if (isToken && ur.statusCode === 200) {
            const j = JSON.parse(data.toString());
            state.issued.push({ ...j });
            if (state.mode === 'strip' && new URLSearchParams(body.toString()).get('grant_type') === 'refresh_token') {
              delete j.refresh_token;
              data = Buffer.from(JSON.stringify(j));
            }
            if (state.claimTtl) {
              j.expires_in = state.claimTtl;
              data = Buffer.from(JSON.stringify(j));
            }
            headers['content-length'] = String(data.length);
          }
          res.writeHead(ur.statusCode, headers);
          res.end(data);
        });
      });
      up.on('error', () => { res.statusCode = 502; res.end(); });
      up.end(body);
    });
  });

  // Token introspection, as a resource server would ask it.
  async function introspect(token) {
    const r = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64'),
      },
      body: new URLSearchParams({ token }).toString(),
    });
    return r.json();
  }

  async function revoke(token) {
    const r = await fetch(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64'),
      },
      body: new URLSearchParams({ token }).toString(),
    });
    return r.status;
  }

  // The browser: follow the provider's redirects (keeping its cookies)
  // from kanal's authorize_url until it sends us back to redirectUri;
  // returns that final URL.
  async function authorize(authorizeUrl) {
    const jar = new Map();
    let url = authorizeUrl;
    for (let i = 0; i < 10; i++) {
      if (url.startsWith(redirectUri)) return url;
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const r = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      for (const c of r.headers.getSetCookie()) {
        const [kv] = c.split(';');
        const eq = kv.indexOf('=');
        jar.set(kv.slice(0, eq), kv.slice(eq + 1));
      }
      const loc = r.headers.get('location');
      if (!loc) throw new Error(`authorization stopped at ${url}: ${r.status} ${await r.text()}`);
      url = new URL(loc, url).toString();
    }
    throw new Error('too many redirects');
  }

  return {
    url: issuer,
    state,
    introspect,
    revoke,
    authorize,
    stop: async () => {
      proxy.closeAllConnections?.();
      inner.closeAllConnections?.();
      await new Promise((r) => proxy.close(r));
      await new Promise((r) => inner.close(r));
    },
  };
}

// A free loopback port (for kanal, whose public URL must be known before
// it starts: it is the redirect URI registered with the provider).
export async function freePort() {
  const s = http.createServer();
  const p = await listen(s);
  await new Promise((r) => s.close(r));
  return p;
}
