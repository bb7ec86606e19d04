// Every connector reports its limits (issue 4): POST .../limits/refresh asks
// the network's connector and keeps what it says as the channel's limits,
// which the text engine then counts against. Networks that publish no
// per-account limits report their documented ones without a call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { tapi, cliToken } from './_helpers.mjs';

const W = '/api/v1/workspaces/1';
let srv, token;

before(async () => {
  srv = await startServer({ demo: true });
  token = cliToken(srv.db, 1, 'owner', 'limits');
});
after(async () => { await srv?.stop(); });

const expected = {
  x: { max_chars: 280, url_weight: 23, max_media: 4, max_image_bytes: 5000000 },
  linkedin: { max_chars: 3000, max_media: 20 },
  facebook: { max_chars: 63206 },
  instagram: { max_chars: 2200, max_media: 10 },
  threads: { max_chars: 500 },
  bluesky: { max_chars: 300, max_media: 4, max_image_bytes: 1000000 },
};

for (const [network, want] of Object.entries(expected)) {
  test(`${network}: the connector's limits become the channel's`, async () => {
    const c = await tapi(srv.url, token, 'POST', `${W}/channels`, { network, name: `Limits ${network}` });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const id = c.body.channel.id;
    // Static limits need no call, but a connected account all the same.
    const a = await tapi(srv.url, token, 'PUT', `${W}/channels/${id}/account`, {
      base_url: 'https://api.example.invalid', handle: 'kanal', secrets: { access_token: 'not-used-0123456789', page_id: '1', ig_user_id: '1' },
    });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const r = await tapi(srv.url, token, 'POST', `${W}/channels/${id}/limits/refresh`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const [k, v] of Object.entries(want)) {
      assert.equal(r.body.reported[k], v, `${network} reports ${k}`);
      assert.equal(r.body.channel.limits[k], v, `${network} keeps ${k}`);
    }
    // The composer counts against them: one character over is a problem.
    const text = 'a'.repeat(want.max_chars + 1);
    const p = await tapi(srv.url, token, 'POST', `${W}/posts`, { master_text: text, channel_ids: [id] });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const v = p.body.post.variants[0];
    assert.equal(v.count.limit, want.max_chars);
    assert.equal(v.count.valid, false, 'one over the limit');
  });
}

test('a webhook reports none: 409 channel.limits_unsupported', async () => {
  const c = await tapi(srv.url, token, 'POST', `${W}/channels`, { network: 'webhook', name: 'Limits webhook' });
  const r = await tapi(srv.url, token, 'POST', `${W}/channels/${c.body.channel.id}/limits/refresh`);
  assert.equal(r.status, 409);
  assert.equal(r.body.code, 'channel.limits_unsupported');
});
