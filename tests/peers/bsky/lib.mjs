// What the Bluesky tests share: XRPC calls to the reference PDS, reading an
// account's posts back, and the facets @atproto/api's RichText makes for a
// text (the reference kanal's facets must equal).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { AtpAgent, RichText } = require('@atproto/api');

// The functions bound to the PDS that getPds() returns ({pds, did, ...}),
// read at call time so a test file can start the PDS in `before`.
export function bindRepo(getPds) {
  async function xrpc(nsid, { params, body, token } = {}) {
    const url = new URL(`/xrpc/${nsid}`, getPds().pds);
    for (const [k, v] of Object.entries(params ?? {})) url.searchParams.set(k, v);
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await res.json().catch(() => ({})) };
  }

  async function records() {
    const r = await xrpc('com.atproto.repo.listRecords', {
      params: { repo: getPds().did, collection: 'app.bsky.feed.post', limit: '100' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.records;
  }

  const rkeyOf = (uri) => uri.split('/').pop();

  function getRecord(rkey) {
    return xrpc('com.atproto.repo.getRecord', { params: { repo: getPds().did, collection: 'app.bsky.feed.post', rkey } });
  }

  // Mentions resolved through the same PDS; facets whose mention did not
  // resolve (did "") are left out, as kanal leaves them out.
  async function referenceFacets(text) {
    const rt = new RichText({ text });
    await rt.detectFacets(new AtpAgent({ service: getPds().pds }));
    return normFacets((rt.facets ?? []).filter((f) => !f.features.some((x) => x.did === '')));
  }

  return { xrpc, records, rkeyOf, getRecord, referenceFacets, normFacets };
}

export function normFacets(facets) {
  return (facets ?? [])
    .map((f) => ({
      index: { byteStart: f.index.byteStart, byteEnd: f.index.byteEnd },
      features: f.features.map((x) => Object.fromEntries(Object.entries(x).sort())),
    }))
    .sort((a, b) => a.index.byteStart - b.index.byteStart);
}
