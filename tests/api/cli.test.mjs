// The command line (docs/kanal.1) against temporary databases: exit codes,
// users, workspaces, members, tokens, backup, --help, config precedence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, KANAL_BIN } from '../lib/server.mjs';
import { api, login, sapi, tapi, assertProblem, cliToken } from './_helpers.mjs';
import { png } from './_images.mjs';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

let dir;
let srv;

// Run kanal with args; no KANAL_DB / KANAL_CONFIG from the caller's env.
function run(args, { input = '', env = {}, cwd } = {}) {
  const e = { ...process.env, KANAL_LOG_LEVEL: 'warn' };
  delete e.KANAL_DB;
  delete e.KANAL_CONFIG;
  const r = spawnSync(KANAL_BIN, args, { input, env: { ...e, ...env }, cwd: cwd || dir, encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '', signal: r.signal };
}

function ok(r, what) {
  assert.equal(r.status, 0, `${what}: exit ${r.status} ${r.signal || ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/, what);
  return r;
}

const sql = (db, q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();
const freshDb = (name) => { const db = join(dir, name); ok(run(['--db', db, 'migrate']), `migrate ${name}`); return db; };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kanal-cli-'));
});

after(async () => {
  if (srv) await srv.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('version prints the version and exits 0', () => {
  const r = ok(run(['version']), 'version');
  assert.match(r.stdout, /kanal/i);
  assert.match(r.stdout, /\d+\.\d+/);
});

test('migrate twice is idempotent and keeps the data', () => {
  const db = join(dir, 'mig.db');
  ok(run(['--db', db, 'migrate']), 'migrate 1');
  const schema1 = sql(db, '.schema');
  for (const t of ['users', 'workspaces', 'memberships', 'sessions', 'api_tokens', 'audit_log']) {
    assert.match(schema1, new RegExp(`CREATE TABLE ${t}\\b`), `table ${t}`);
  }
  ok(run(['--db', db, 'user', 'add', 'keep@example.org', '--name', 'Keep Me', '--password-stdin'], { input: 'keep-me-pass-2026\n' }), 'user add');
  ok(run(['--db', db, 'migrate']), 'migrate 2');
  assert.equal(sql(db, '.schema'), schema1, 'schema unchanged');
  assert.equal(sql(db, "select count(*) from users where email='keep@example.org'"), '1');
  ok(run(['--db', db, 'migrate']), 'migrate 3');
  assert.equal(sql(db, 'pragma integrity_check'), 'ok');
});

test('user add / list / passwd; the new password signs in over HTTP, the old one and old sessions stop', async () => {
  srv = await startServer({});
  const db = srv.db;
  const email = 'cli-user@example.org';
  ok(run(['--db', db, 'user', 'add', email, '--name', 'Cli User', '--password-stdin'], { input: 'first-pass-2026\n' }), 'user add');
  const list = ok(run(['--db', db, 'user', 'list']), 'user list');
  assert.match(list.stdout, /cli-user@example\.org/);
  assert.match(list.stdout, /Cli User/);
  assert.doesNotMatch(list.stdout, /argon2|first-pass-2026/, 'no password or hash listed');
  assert.equal(sql(db, `select count(*) from users where email='${email}' and password_hash like '$argon2id$%'`), '1', 'argon2id hash');

  const s1 = await login(srv.url, email, 'first-pass-2026');
  assert.equal((await sapi(srv.url, s1, 'GET', '/api/v1/me')).status, 200);

  ok(run(['--db', db, 'user', 'passwd', email, '--password-stdin'], { input: 'second-pass-2026\n' }), 'user passwd');
  assertProblem(await sapi(srv.url, s1, 'GET', '/api/v1/me'), 401, 'auth.invalid', undefined, 'session before passwd');
  const old = await api(srv.url, 'POST', '/api/v1/auth/login', { body: { email, password: 'first-pass-2026' } });
  assertProblem(old, 401, 'auth.invalid_credentials');
  const s2 = await login(srv.url, email, 'second-pass-2026');
  assert.equal(s2.user.email, email);

  // Without --password-stdin a random password is printed once, and works.
  const gen = ok(run(['--db', db, 'user', 'add', 'gen@example.org', '--name', 'Gen Erated']), 'user add (generated)');
  const pw = gen.stdout.trim().split('\n').pop().trim().split(/\s+/).pop();
  assert.ok(pw.length >= 12, `generated password printed: ${gen.stdout}`);
  await login(srv.url, 'gen@example.org', pw);

  // Refusals name their code and exit 1.
  const dup = run(['--db', db, 'user', 'add', email, '--name', 'Again', '--password-stdin'], { input: 'another-pass-2026\n' });
  assert.equal(dup.status, 1, dup.stderr);
  assert.match(dup.stderr, /user\.exists/);
  const bad = run(['--db', db, 'user', 'add', 'not-an-email', '--name', 'X', '--password-stdin'], { input: 'another-pass-2026\n' });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, /user\.email/);
  const short = run(['--db', db, 'user', 'passwd', email, '--password-stdin'], { input: 'short\n' });
  assert.equal(short.status, 1, short.stderr);
  assert.match(short.stderr, /password\.too_short/);
  const common = run(['--db', db, 'user', 'passwd', email, '--password-stdin'], { input: 'password123\n' });
  assert.equal(common.status, 1);
  assert.match(common.stderr, /password\.common/);
  const nouser = run(['--db', db, 'user', 'passwd', 'ghost@example.org', '--password-stdin'], { input: 'ghost-pass-2026\n' });
  assert.equal(nouser.status, 1);
  assert.match(nouser.stderr, /user\.not_found/);
  await login(srv.url, email, 'second-pass-2026'); // unchanged by the refusals
});

test('workspace add: a bad zone or currency exits 1 naming the code; a good one is listed', () => {
  const db = freshDb('ws.db');
  ok(run(['--db', db, 'user', 'add', 'boss@example.org', '--name', 'Boss', '--password-stdin'], { input: 'boss-pass-2026\n' }), 'user add');
  const mars = run(['--db', db, 'workspace', 'add', 'Mars Base', '--timezone', 'Mars/Olympus', '--owner', 'boss@example.org']);
  assert.equal(mars.status, 1, mars.stderr);
  assert.match(mars.stderr, /workspace\.timezone/);
  const cur = run(['--db', db, 'workspace', 'add', 'Euro Base', '--timezone', 'Europe/Tirane', '--currency', 'EURO']);
  assert.equal(cur.status, 1, cur.stderr);
  assert.match(cur.stderr, /workspace\.currency/);
  assert.equal(sql(db, 'select count(*) from workspaces'), '0', 'nothing created');
  ok(run(['--db', db, 'workspace', 'add', 'Furra Test', '--timezone', 'Europe/Tirane', '--language', 'sq', '--currency', 'ALL', '--owner', 'boss@example.org']), 'workspace add');
  const l = ok(run(['--db', db, 'workspace', 'list']), 'workspace list');
  assert.match(l.stdout, /Furra Test/);
  assert.match(l.stdout, /Europe\/Tirane/);
  assert.equal(sql(db, "select w.timezone||' '||w.language||' '||w.currency||' '||m.role from workspaces w join memberships m on m.workspace_id=w.id join users u on u.id=m.user_id where u.email='boss@example.org'"),
    'Europe/Tirane sq ALL owner');
  const missing = run(['--db', db, 'workspace', 'add', 'No Zone']);
  assert.equal(missing.status, 2, `missing --timezone is wrong usage: ${missing.stderr}`);
});

test('member add / remove (by id and by slug), bad role, last owner', () => {
  const db = freshDb('mem.db');
  ok(run(['--db', db, 'user', 'add', 'own@example.org', '--name', 'Own', '--password-stdin'], { input: 'own-pass-2026x\n' }), 'user add');
  ok(run(['--db', db, 'user', 'add', 'ana@example.org', '--name', 'Ana', '--password-stdin'], { input: 'ana-pass-2026x\n' }), 'user add');
  ok(run(['--db', db, 'workspace', 'add', 'Hotel Test', '--timezone', 'Europe/Tirane', '--owner', 'own@example.org']), 'workspace add');
  const ws = sql(db, 'select id from workspaces');
  const slug = sql(db, 'select slug from workspaces');
  const roleOf = (email) => sql(db, `select m.role from memberships m join users u on u.id=m.user_id where u.email='${email}' and m.workspace_id=${ws}`);
  ok(run(['--db', db, 'member', 'add', ws, 'ana@example.org', 'client_approver']), 'member add');
  assert.equal(roleOf('ana@example.org'), 'client_approver');
  const dup = run(['--db', db, 'member', 'add', slug, 'ana@example.org', 'analyst']);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /member\.exists/);
  const badRole = run(['--db', db, 'member', 'add', ws, 'own@example.org', 'emperor']);
  assert.equal(badRole.status, 1);
  assert.match(badRole.stderr, /member\.role/);
  ok(run(['--db', db, 'member', 'remove', slug, 'ana@example.org']), 'member remove by slug');
  assert.equal(roleOf('ana@example.org'), '');
  const last = run(['--db', db, 'member', 'remove', ws, 'own@example.org']);
  assert.equal(last.status, 1, last.stderr);
  assert.match(last.stderr, /member\.last_owner/);
  assert.equal(roleOf('own@example.org'), 'owner');
  const nows = run(['--db', db, 'member', 'add', '999', 'ana@example.org', 'analyst']);
  assert.equal(nows.status, 1);
  assert.match(nows.stderr, /workspace\.not_found/);
  // The CLI's changes are audited as "cli".
  assert.ok(Number(sql(db, "select count(*) from audit_log where actor_label='cli' and action like 'member.%'")) >= 2);
});

test('token create / list / revoke; the secret works over HTTP until revoked', async () => {
  if (!srv) srv = await startServer({});
  const db = srv.db;
  ok(run(['--db', db, 'user', 'add', 'tok-owner@example.org', '--name', 'Tok Owner', '--password-stdin'], { input: 'tok-owner-2026\n' }), 'user add');
  ok(run(['--db', db, 'workspace', 'add', 'Token Test', '--timezone', 'UTC', '--owner', 'tok-owner@example.org']), 'workspace add');
  const ws = sql(db, "select id from workspaces where name='Token Test'");
  const c = ok(run(['--db', db, 'token', 'create', ws, '--role', 'analyst', '--name', 'reports', '--expires-days', '90']), 'token create');
  const secret = c.stdout.trim().split('\n').pop().trim();
  assert.match(secret, /^kanal_[A-Za-z0-9_-]{20,}$/);
  assert.equal(sql(db, `select count(*) from api_tokens where token_hash like '%${secret.slice(6, 20)}%'`), '0', 'stored hashed');
  const l = ok(run(['--db', db, 'token', 'list', ws]), 'token list');
  assert.match(l.stdout, /reports/);
  assert.match(l.stdout, /analyst/);
  assert.ok(!l.stdout.includes(secret), 'secret not listed');
  const r = await tapi(srv.url, secret, 'GET', `/api/v1/workspaces/${ws}/members`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const id = sql(db, "select id from api_tokens where name='reports'");
  const bad = run(['--db', db, 'token', 'create', ws, '--role', 'emperor', '--name', 'x']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /(token|member)\.role/);
  ok(run(['--db', db, 'token', 'revoke', ws, id]), 'token revoke');
  // A revocation made by another process takes effect within one second
  // (the server caches token look-ups that long; API revocations are immediate).
  const t0 = Date.now();
  let after;
  do {
    after = await tapi(srv.url, secret, 'GET', `/api/v1/workspaces/${ws}/members`);
    if (after.status === 401) break;
    await new Promise((res) => setTimeout(res, 100));
  } while (Date.now() - t0 < 1500);
  assertProblem(after, 401, 'auth.invalid');
  assert.ok(Date.now() - t0 <= 1500, `revocation took ${Date.now() - t0} ms`);
  assert.notEqual(sql(db, `select revoked_at from api_tokens where id=${id}`), '');
  const again = run(['--db', db, 'token', 'revoke', ws, '999999']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /token\.not_found/);
});

test('backup FILE: a consistent SQLite copy, made while the server runs', async () => {
  if (!srv) srv = await startServer({});
  const out = join(dir, 'backup.db');
  ok(run(['--db', srv.db, 'backup', out]), 'backup');
  assert.ok(existsSync(out));
  assert.equal(sql(out, 'pragma integrity_check'), 'ok');
  assert.equal(sql(out, 'select count(*) from users'), sql(srv.db, 'select count(*) from users'));
  assert.ok(Number(sql(out, 'select count(*) from users')) >= 1);
  assert.equal(sql(out, 'select count(*) from workspaces'), sql(srv.db, 'select count(*) from workspaces'));
  const h = await api(srv.url, 'GET', '/healthz');
  assert.equal(h.status, 200, 'server unaffected');
  const bad = run(['--db', srv.db, 'backup', join(dir, 'no-such-dir', 'x.db')]);
  assert.equal(bad.status, 1, bad.stderr);
  assert.ok(bad.stderr.trim().length > 0, 'says why');
});

test('backup FILE copies the media the database refers to, beside the copy', async () => {
  const s2 = await startServer({ demo: true });
  try {
    const tok = cliToken(s2.db, 1, 'owner', 'backup-media');
    const bytes = png(40, 30, { noise: true, seed: 7 });
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'image/png' }), 'b.png');
    form.append('alt_text', 'backup test');
    const res = await fetch(s2.url + '/api/v1/workspaces/1/media', { method: 'POST', body: form, headers: { authorization: `Bearer ${tok}` } });
    assert.equal(res.status, 201, await res.text());
    const sha = createHash('sha256').update(bytes).digest('hex');
    const outDir = mkdtempSync(join(tmpdir(), 'kanal-bk-'));
    const out = join(outDir, 'copy.db');
    const r = run(['--db', s2.db, 'backup', out]);
    ok(r, 'backup');
    assert.match(r.stdout, /\(\d+ media file\(s\) to /);
    const copied = join(outDir, 'media', sha.slice(0, 2), sha.slice(2, 4), sha);
    assert.ok(existsSync(copied), 'the original is beside the copy');
    assert.equal(createHash('sha256').update(readFileSync(copied)).digest('hex'), sha, 'same bytes');
    assert.equal(sql(out, `select count(*) from media where sha256='${sha}'`), '1', 'the copy refers to it');
    assert.ok(!existsSync(join(outDir, 'media', 'renditions')), 'renditions (a cache) are not copied');
    // A second backup into the same folder keeps the file and copies nothing new.
    const again = run(['--db', s2.db, 'backup', join(outDir, 'copy2.db')]);
    ok(again, 'backup again');
    assert.match(again.stdout, /\(0 media file\(s\)/);
    assert.ok(statSync(copied).size === bytes.length);
    assert.ok(existsSync(join(dirname(s2.db), 'media', sha.slice(0, 2), sha.slice(2, 4), sha)), 'the source is untouched');
    rmSync(outDir, { recursive: true, force: true });
  } finally {
    await s2.stop();
  }
});

test('every command\'s --help exits 0 and prints usage', () => {
  const db = join(dir, 'help.db');
  const cmds = [[], ['serve'], ['demo'], ['migrate'], ['user'], ['user', 'add'], ['user', 'list'], ['user', 'passwd'],
    ['workspace'], ['workspace', 'add'], ['workspace', 'list'], ['member'], ['member', 'add'], ['member', 'remove'],
    ['token'], ['token', 'create'], ['token', 'list'], ['token', 'revoke'], ['backup'], ['version']];
  const bad = [];
  for (const c of cmds) {
    const r = run(['--db', db, ...c, '--help']);
    if (r.status !== 0 || !/usage/i.test(r.stdout) || (c.length && !r.stdout.includes(c[c.length - 1]))) {
      bad.push(`kanal ${c.join(' ')} --help: exit ${r.status}, stdout ${JSON.stringify(r.stdout.slice(0, 120))}`);
    }
  }
  assert.deepEqual(bad, []);
  const top = run(['--help']);
  for (const c of ['serve', 'demo', 'migrate', 'user', 'workspace', 'member', 'token', 'backup', 'version']) {
    assert.match(top.stdout, new RegExp(`\\b${c}\\b`), `kanal --help lists ${c}`);
  }
});

test('wrong usage exits 2: unknown command, unknown option, missing argument', () => {
  const db = freshDb('usage.db');
  for (const args of [['frobnicate'], ['--bogus', 'version'], ['user', 'frobnicate'], ['user', 'add'], ['token', 'create', '1'],
    ['member', 'add', '1'], ['backup']]) {
    const r = run(['--db', db, ...args]);
    assert.equal(r.status, 2, `kanal ${args.join(' ')}: exit ${r.status} ${r.stderr}`);
    assert.match(r.stderr + r.stdout, /usage|unknown/i, `kanal ${args.join(' ')}: says why`);
  }
});

test('config precedence: --db > KANAL_DB > config file db = ... (KANAL_CONFIG / --config / ./kanal.conf)', () => {
  const mk = (tag) => {
    const db = freshDb(`prec-${tag}.db`);
    ok(run(['--db', db, 'user', 'add', `${tag}@example.org`, '--name', tag.toUpperCase(), '--password-stdin'], { input: `${tag}-pass-2026x\n` }), 'user add');
    return db;
  };
  const A = mk('flag');
  const B = mk('env');
  const C = mk('conf');
  const D = mk('other');
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  writeFileSync(join(cwd, 'kanal.conf'), `# test config\ndb = ${C}\nlog_level = warn\n`);
  const other = join(dir, 'other.conf');
  writeFileSync(join(other), `db = ${D}\n`);
  const who = (args, env) => {
    const r = ok(run([...args, 'user', 'list'], { env, cwd }), `user list ${args.join(' ')} ${JSON.stringify(env)}`);
    const tags = ['flag', 'env', 'conf', 'other'].filter((t) => r.stdout.includes(`${t}@example.org`));
    assert.equal(tags.length, 1, `exactly one db read: ${r.stdout}`);
    return tags[0];
  };
  assert.equal(who(['--db', A], { KANAL_DB: B }), 'flag', '--db beats KANAL_DB and the config file');
  assert.equal(who([], { KANAL_DB: B }), 'env', 'KANAL_DB beats the config file');
  assert.equal(who([], {}), 'conf', './kanal.conf is read');
  assert.equal(who([], { KANAL_CONFIG: other }), 'other', 'KANAL_CONFIG names the file');
  assert.equal(who(['--config', other], {}), 'other', '--config names the file');
  assert.equal(who(['--config', other], { KANAL_DB: B }), 'env', 'KANAL_DB beats --config\'s db');
  assert.equal(who(['--db', A, '--config', other], {}), 'flag');
  const missing = run(['--config', join(dir, 'nope.conf'), 'user', 'list'], { cwd });
  assert.notEqual(missing.status, 0, 'a named config file that does not exist is an error');
});
