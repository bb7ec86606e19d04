// Regressions found while building the foundation (issue 2), each with the
// test that would have caught it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { login, sapi } from './_helpers.mjs';

let srv;
let elira;
before(async () => {
  srv = await startServer({ demo: true });
  elira = await login(srv.url, 'elira@studiodrita.al');
});
after(async () => { await srv?.stop(); });

test('a role change answers with the membership\'s real created_at', async () => {
  const list = await sapi(srv.url, elira, 'GET', '/api/v1/workspaces/1/members');
  const luan = list.body.members.find((m) => m.email === 'luan@studiodrita.al');
  const r = await sapi(srv.url, elira, 'PATCH', `/api/v1/workspaces/1/members/${luan.user_id}`, { role: 'analyst' });
  assert.equal(r.status, 200);
  assert.equal(r.body.member.role, 'analyst');
  assert.equal(r.body.member.created_at, luan.created_at);
});

test('names of 100 two-byte characters survive whole (no cut inside a character)', async () => {
  const name = 'ë'.repeat(100);
  const ws = await sapi(srv.url, elira, 'POST', '/api/v1/workspaces', { name, timezone: 'Europe/Tirane' });
  assert.equal(ws.status, 201);
  assert.equal(ws.body.workspace.name, name);
  const me = await sapi(srv.url, elira, 'PATCH', '/api/v1/me', { name: 'Ç'.repeat(100) });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.name, 'Ç'.repeat(100));
  const again = await sapi(srv.url, elira, 'GET', '/api/v1/me');
  assert.equal(again.status, 200);
  assert.equal(again.body.user.name, 'Ç'.repeat(100));
  const audit = await sapi(srv.url, elira, 'GET', `/api/v1/workspaces/${ws.body.workspace.id}/audit`);
  assert.equal(audit.status, 200);
  assert.equal(audit.body.entries[0].action, 'workspace.create');
  assert.equal(audit.body.entries[0].after.name, name);
  assert.equal(audit.body.entries[0].actor.label, 'Elira Hoxha');
  const tooLong = await sapi(srv.url, elira, 'PATCH', '/api/v1/me', { name: 'ë'.repeat(101) });
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.body.code, 'user.name');
});
