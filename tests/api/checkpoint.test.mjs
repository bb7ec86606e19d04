// A connector's progress survives kill -9 (issue 4, exactly once): kanal is
// killed while Instagram's media_publish call is in flight, after the
// container was made. The connector checkpointed the container id to disk
// before that call (net_checkpoint), so after the restart the reconcile
// reads the account back (not there), and the retry publishes the same
// container — never a second one. Without the checkpoint the container id
// would be lost with the process and a new container made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tapi, cliToken } from './_helpers.mjs';
import { waitFor } from './_webhook.mjs';
import { png } from './_images.mjs';
import { KANAL_BIN } from '../lib/server.mjs';
import { startGraph, startKanalPublic, uploadImage } from './_graph.mjs';

const TOKEN = 'igck-' + crypto.randomBytes(16).toString('hex');
const IG = '17841400000000009';
const W = '/api/v1/workspaces/1';

test('kill -9 during media_publish: the restarted kanal publishes the container it made, no second container', { timeout: 90000 }, async () => {
  const graph = await startGraph({ userToken: TOKEN, pageToken: 'p-' + TOKEN, threadsToken: 't-' + TOKEN, pageId: '1', igUserId: IG, threadsUserId: '2' });
  const srv = await startKanalPublic({ KANAL_LEASE_MS: '2000' });
  let again = null;
  let killed = false;
  try {
    graph.behave((d) => {
      if (d.kind !== 'ig.publish' || killed) return null;
      const c = graph.containers.get(d.body.creation_id);
      if (!String(c?.fields.caption || '').includes('[kill]')) return null;
      killed = true;
      setTimeout(() => srv.proc.kill('SIGKILL'), 50); // the call is in flight, nothing published
      return { hang: true };
    });
    const tok = cliToken(srv.db, 1, 'owner', 'checkpoint');
    const c = await tapi(srv.url, tok, 'POST', `${W}/channels`, { network: 'instagram', name: 'IG' });
    assert.equal(c.status, 201);
    const a = await tapi(srv.url, tok, 'PUT', `${W}/channels/${c.body.channel.id}/account`, { base_url: graph.fb, handle: 'kanal.al', secrets: { access_token: TOKEN, ig_user_id: IG } });
    assert.equal(a.status, 200);
    const img = await uploadImage(srv, tok, png(64, 64, { pixel: (x, y) => [x * 4, y * 4, 120] }), 'k.png', 'Ura e Mesit');
    const p = await tapi(srv.url, tok, 'POST', `${W}/posts`, { master_text: 'Ura e Mesit në mbrëmje [kill]', channel_ids: [c.body.channel.id], media: [img.id] });
    assert.equal(p.status, 201);
    await tapi(srv.url, tok, 'POST', `${W}/posts/${p.body.post.id}/schedule`, { scheduled_at: new Date(Date.now() + 1000).toISOString() });
    await waitFor(() => (srv.proc.exitCode !== null || srv.proc.signalCode ? true : null), { timeout: 30000, what: 'kanal killed during media_publish' });

    // The same database, the same address (the public media URL names it).
    again = spawn(KANAL_BIN, ['--db', srv.db, 'serve', '--listen', `127.0.0.1:${srv.port}`], {
      env: { ...process.env, KANAL_LOG_LEVEL: 'info', KANAL_NET_ALLOW_LOOPBACK: '1', KANAL_RETRY_BASE_MS: '400', KANAL_PUBLIC_URL: srv.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    again.stderr.on('data', (d) => { log += d; });
    const pub = await waitFor(async () => {
      const r = await tapi(srv.url, tok, 'GET', `${W}/posts/${p.body.post.id}/publications`).catch(() => null);
      const x = r?.body?.publications?.[0];
      return x && ['published', 'unconfirmed', 'failed'].includes(x.state) ? x : null;
    }, { timeout: 45000, what: 'the publication to settle after the restart' });
    assert.equal(pub.state, 'published', JSON.stringify(pub));
    const made = [...graph.containers.values()].filter((x) => String(x.fields.caption || '').includes('[kill]'));
    assert.equal(made.length, 1, 'one container, made before the kill and reused after it');
    const tries = graph.of('ig.publish').filter((d) => d.body.creation_id === made[0].id);
    assert.equal(tries.length, 2, 'published once in flight (hung, killed), once after the restart');
    const media = graph.media.filter((x) => String(x.caption).includes('[kill]'));
    assert.equal(media.length, 1, 'one post on Instagram');
    assert.equal(pub.remote_id, media[0].id);
    assert.deepEqual(pub.timeline.map((t) => [t.kind, t.outcome]).slice(-3),
      [['publish', 'interrupted'], ['reconcile', 'not_found'], ['publish', 'published']]);
    assert.ok(!log.includes(TOKEN));
  } finally {
    if (again && again.exitCode === null) {
      again.kill('SIGTERM');
      await new Promise((r) => again.on('exit', r));
    }
    rmSync(srv.dir, { recursive: true, force: true }); // its process was killed: nothing to stop
    await graph.stop();
  }
});
